/**
 * The console's browser script, served as `<path>/console.js`: plain ES2017 for any current
 * browser, no build step. It loads stats, handlers, dead letters and the AsyncAPI document
 * (shown as channels, their handlers and the instance running them) over the admin API, then
 * follows stats and events through the WebSocket bridge (catching up after a reconnection with
 * the last event id it saw), and polls the stats when the bridge is missing or refuses it.
 * Everything shown goes through `textContent`: payloads and topics never become markup.
 */
export const CONSOLE_SCRIPT = String.raw`(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('bus-admin-config').textContent);
  var WINDOW_MS = 5 * 60 * 1000;
  var MAX_EVENTS = 50;
  var POLL_MS = 2000;
  var RECONNECT_MS = 2000;
  var SERIES = [['published', '#2f6fde'], ['delivered', '#1f9d55'], ['failed', '#d64545']];
  var last = null;
  var samples = [];
  var lastEventId;
  var poller;

  function byId(id) { return document.getElementById(id); }
  function cell(text, className) {
    var td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (className) td.className = className;
    return td;
  }
  function clock(ms) { return new Date(ms).toLocaleTimeString(); }
  function preview(value) {
    var text = JSON.stringify(value);
    if (text === undefined) return '';
    return text.length > 120 ? text.slice(0, 117) + '...' : text;
  }
  function note(message) { byId('note').textContent = message instanceof Error ? message.message : String(message); }
  function status(text) { var badge = byId('status'); badge.textContent = text; badge.className = 'status ' + text; }
  function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(config.api + path, init).then(function (response) {
      if (!response.ok) throw new Error(method + ' ' + path + ' answered ' + response.status);
      return response.json();
    });
  }

  // Stats: rates are the difference of two snapshots over the time between them.
  function showStats(stats) {
    var previous = last;
    last = stats;
    byId('instance').textContent = stats.instanceId + ' on ' + stats.transport;
    byId('in-flight').textContent = stats.bus.inFlight;
    byId('queued').textContent = stats.bus.queued;
    byId('dead-letter-count').textContent = stats.deadLetters;
    byId('dead-lettered').textContent = stats.bus.deadLettered;
    byId('clients').textContent = stats.websocket ? stats.websocket.clients : '-';
    if (!previous || stats.timestamp <= previous.timestamp) return;
    var seconds = (stats.timestamp - previous.timestamp) / 1000;
    var sample = { t: stats.timestamp };
    SERIES.forEach(function (series) {
      var key = series[0];
      sample[key] = Math.max(0, (stats.bus[key] - previous.bus[key]) / seconds);
      byId('rate-' + key).textContent = sample[key].toFixed(1);
    });
    samples.push(sample);
    while (samples.length && samples[0].t < stats.timestamp - WINDOW_MS) samples.shift();
    draw();
    if (stats.deadLetters !== previous.deadLetters || stats.bus.deadLettered !== previous.bus.deadLettered) loadDeadLetters();
  }
  function loadStats() { return api('GET', '/stats').then(showStats, note); }
  function startPolling() {
    if (poller) return;
    status(config.websocket ? 'down' : 'polling');
    poller = setInterval(loadStats, POLL_MS);
  }
  function stopPolling() { clearInterval(poller); poller = undefined; }

  function draw() {
    var canvas = byId('chart');
    var ratio = window.devicePixelRatio || 1;
    var width = canvas.clientWidth;
    var height = canvas.clientHeight;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    var g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    var end = last ? last.timestamp : Date.now();
    var top = 1;
    samples.forEach(function (s) { SERIES.forEach(function (series) { top = Math.max(top, s[series[0]]); }); });
    var pad = 28;
    var x = function (t) { return pad + ((t - (end - WINDOW_MS)) / WINDOW_MS) * (width - pad - 4); };
    var y = function (v) { return height - 16 - (v / top) * (height - 24); };
    g.strokeStyle = '#e3e6ed';
    g.fillStyle = '#6b7385';
    g.font = '11px system-ui, sans-serif';
    [0, 0.5, 1].forEach(function (f) {
      g.beginPath(); g.moveTo(pad, y(top * f)); g.lineTo(width - 4, y(top * f)); g.stroke();
      g.fillText((top * f).toFixed(top * f < 10 && f > 0 ? 1 : 0), 2, y(top * f) + 4);
    });
    g.fillText('-5 min', pad, height - 2);
    g.fillText('now', width - 26, height - 2);
    SERIES.forEach(function (series) {
      g.strokeStyle = series[1];
      g.lineWidth = 2;
      g.beginPath();
      samples.forEach(function (s, i) { if (i === 0) g.moveTo(x(s.t), y(s[series[0]])); else g.lineTo(x(s.t), y(s[series[0]])); });
      g.stroke();
    });
  }

  function showEvent(frame) {
    lastEventId = frame.id;
    var row = document.createElement('tr');
    row.dataset.topic = frame.topic;
    row.append(cell(clock(frame.timestamp)), cell(frame.topic), cell(frame.sessionId), cell(frame.id, 'mono'), cell(preview(frame.payload), 'mono'));
    var body = byId('events');
    body.prepend(row);
    while (body.children.length > MAX_EVENTS) body.lastChild.remove();
    byId('events-empty').hidden = true;
  }

  function topicFilter() {
    var topic = byId('dead-letter-topic').value.trim();
    return topic ? '?topic=' + encodeURIComponent(topic) : '';
  }
  function loadDeadLetters() {
    var filter = topicFilter();
    return api('GET', '/dead-letters' + (filter ? filter + '&' : '?') + 'limit=200').then(function (letters) {
      var body = byId('dead-letters');
      body.replaceChildren();
      letters.forEach(function (letter) {
        var row = document.createElement('tr');
        row.dataset.id = letter.id;
        var replay = document.createElement('button');
        replay.textContent = 'Replay';
        replay.addEventListener('click', function () { replayLetters({ id: letter.id }); });
        var actions = document.createElement('td');
        actions.append(replay);
        row.append(
          cell(clock(letter.deadLetteredAt)), cell(letter.envelope.topic), cell(letter.reason), cell(letter.handler),
          cell(letter.envelope.attempt + ' / ' + letter.envelope.maxAttempts), cell(letter.error && letter.error.message),
          cell(preview(letter.envelope.payload), 'mono'), actions);
        body.append(row);
      });
      byId('dead-letters-empty').hidden = letters.length > 0;
    }, note);
  }
  function replayLetters(selector) {
    return api('POST', '/dead-letters/replay', selector).then(function (result) {
      note('Replayed ' + result.replayed + ' dead letter' + (result.replayed === 1 ? '' : 's'));
      return Promise.all([loadDeadLetters(), loadStats()]);
    }, note);
  }
  function purgeLetters() {
    var topic = byId('dead-letter-topic').value.trim();
    if (!window.confirm('Delete the dead letters of ' + (topic || 'every topic') + '? They cannot be replayed afterwards.')) return;
    api('DELETE', '/dead-letters' + topicFilter()).then(function (result) {
      note('Purged ' + result.purged + ' dead letter' + (result.purged === 1 ? '' : 's'));
      return Promise.all([loadDeadLetters(), loadStats()]);
    }, note);
  }

  function loadHandlers() {
    return api('GET', '/handlers').then(function (handlers) {
      var body = byId('handlers');
      body.replaceChildren();
      handlers.forEach(function (h) {
        var row = document.createElement('tr');
        row.append(cell(h.id, 'mono'), cell(h.kind), cell(h.patterns.join(', '), 'mono'), cell(h.group, 'mono'), cell(h.priority),
          cell(h.broadcast ? 'yes' : ''), cell(h.retry.maxAttempts), cell(h.circuit || '-'));
        body.append(row);
      });
    }, note);
  }

  // Channels → handlers (receive operations) → the instance that runs them; senders beside.
  function item(text, detail, className) {
    var li = document.createElement('li');
    var label = document.createElement('span');
    label.textContent = text;
    if (className) label.className = className;
    li.append(label);
    if (detail) {
      var extra = document.createElement('span');
      extra.className = 'detail';
      extra.textContent = detail;
      li.append(extra);
    }
    return li;
  }
  function handlerDetail(operation) {
    var parts = [operation['x-message-kind'], operation['x-broadcast'] ? 'broadcast' : 'group ' + operation['x-group'],
      'priority ' + operation['x-priority'], operation['x-retry'].maxAttempts + ' attempts'];
    if (operation['x-timeout-ms'] !== undefined) parts.push('timeout ' + operation['x-timeout-ms'] + ' ms');
    if (operation['x-batch']) parts.push('batches of ' + operation['x-batch'].size);
    if (operation['x-idempotent']) parts.push('idempotent');
    return parts.join(', ');
  }
  function loadChannels() {
    byId('asyncapi-json').href = config.api + '/asyncapi.json';
    byId('asyncapi-yaml').href = config.api + '/asyncapi.yaml';
    return Promise.all([api('GET', '/asyncapi.json'), api('GET', '/stats')]).then(function (answers) {
      var spec = answers[0];
      var instance = answers[1].instanceId;
      var tree = byId('channels');
      tree.replaceChildren();
      Object.keys(spec.channels).forEach(function (channelId) {
        var channel = spec.channels[channelId];
        var messages = Object.keys(channel.messages).map(function (key) { return channel.messages[key].$ref.split('/').pop(); });
        var node = item(channel.address, messages.join(', '), 'mono');
        node.dataset.channel = channel.address;
        var handlers = document.createElement('ul');
        Object.keys(spec.operations).forEach(function (operationId) {
          var operation = spec.operations[operationId];
          if (operation.channel.$ref !== '#/channels/' + channelId) return;
          if (operation.action === 'send') { handlers.append(item('sent by ' + spec.info.title, operation['x-message-kind'])); return; }
          var handler = item(operation['x-handler'], handlerDetail(operation), 'mono');
          handler.dataset.handler = operation['x-handler'];
          var instances = document.createElement('ul');
          var runner = item(instance, operation['x-broadcast'] ? 'this instance (every instance gets a copy)' : 'this instance', 'mono');
          runner.className = 'instance';
          instances.append(runner);
          handler.append(instances);
          handlers.append(handler);
        });
        node.append(handlers);
        tree.append(node);
      });
    }, note);
  }

  // One frame per pattern: a guard refusing one pattern leaves the others subscribed.
  function connect() {
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var socket = new WebSocket(scheme + '//' + location.host + config.websocket.path);
    var feed = config.websocket.patterns.filter(function (pattern) { return pattern !== config.statsTopic; });
    byId('event-patterns').textContent = feed.join('  ');
    socket.addEventListener('open', function () {
      socket.send(JSON.stringify({ op: 'subscribe', patterns: [config.statsTopic], ref: 'stats' }));
      feed.forEach(function (pattern) {
        socket.send(JSON.stringify({ op: 'subscribe', patterns: [pattern], lastId: lastEventId, ref: 'feed' }));
      });
    });
    socket.addEventListener('message', function (message) {
      var frame = JSON.parse(message.data);
      if (frame.type === 'event' && frame.topic === config.statsTopic) showStats(frame.payload);
      else if (frame.type === 'event') showEvent(frame);
      else if (frame.type === 'subscribed' && frame.ref === 'stats') { stopPolling(); status('live'); }
      else if (frame.type === 'error' && frame.ref === 'stats') { startPolling(); status('polling'); }
      else if (frame.type === 'error') note(frame.message);
    });
    socket.addEventListener('close', function () {
      startPolling();
      status('down');
      setTimeout(connect, RECONNECT_MS);
    });
  }

  byId('dead-letter-refresh').addEventListener('click', loadDeadLetters);
  byId('dead-letter-replay-all').addEventListener('click', function () {
    var topic = byId('dead-letter-topic').value.trim();
    replayLetters(topic ? { topic: topic } : {});
  });
  byId('dead-letter-purge').addEventListener('click', purgeLetters);
  byId('dead-letter-topic').addEventListener('change', loadDeadLetters);
  window.addEventListener('resize', draw);

  loadStats();
  loadDeadLetters();
  loadHandlers();
  loadChannels();
  if (config.websocket) connect();
  else startPolling();
})();
`;
