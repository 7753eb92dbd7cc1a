/** What the console script needs to know, embedded in the page as JSON. */
export interface ConsoleConfig {
  /** Path of the admin routes as the browser reached them (global prefix included). */
  api: string;
  statsTopic: string;
  /** The WebSocket bridge: its path and the patterns clients may subscribe to; null without it. */
  websocket: { path: string; patterns: readonly string[] } | null;
}

/**
 * The console: plain HTML and CSS; `console.js` (served beside it) fills it in. The config is a
 * JSON data block, `<` escaped so no value can close the script element.
 */
export function renderConsolePage(config: ConsoleConfig): string {
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  const script = `${config.api}/console.js`.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Message bus console</title>
<style>
  :root { --fg: #1d2330; --muted: #6b7385; --line: #e3e6ed; --bg: #f6f7fa; --card: #fff; --accent: #2f6fde; --ok: #1f9d55; --bad: #d64545; --warn: #c98a00; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; align-items: center; gap: 12px; padding: 12px 20px; background: var(--card); border-bottom: 1px solid var(--line); }
  header h1 { font-size: 17px; margin: 0; }
  #instance { color: var(--muted); font-family: ui-monospace, monospace; font-size: 12px; }
  .status { margin-left: auto; padding: 2px 10px; border-radius: 10px; font-size: 12px; color: #fff; background: var(--muted); }
  .status.live { background: var(--ok); } .status.polling { background: var(--warn); } .status.down { background: var(--bad); }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 10px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
  .card .label { color: var(--muted); font-size: 12px; }
  .card .value { font-size: 22px; font-variant-numeric: tabular-nums; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px; overflow-x: auto; }
  section h2 { font-size: 14px; margin: 0 0 8px; display: flex; align-items: center; gap: 8px; }
  canvas { width: 100%; height: 180px; display: block; }
  .legend span { margin-right: 14px; font-size: 12px; } .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 600; }
  td.mono, .mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
  .empty { color: var(--muted); padding: 6px 8px; }
  .toolbar { margin-left: auto; display: flex; gap: 6px; font-weight: normal; }
  button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); border-radius: 4px; background: #fff; cursor: pointer; }
  button:hover { border-color: var(--accent); color: var(--accent); }
  button.danger:hover { border-color: var(--bad); color: var(--bad); }
  input { font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; }
  #note { color: var(--muted); min-height: 1.4em; }
  a { color: var(--accent); }
  .tree, .tree ul { list-style: none; margin: 0; padding: 0; }
  .tree ul { padding-left: 18px; border-left: 1px solid var(--line); margin-left: 4px; }
  .tree li { padding: 3px 0; }
  .tree .detail { color: var(--muted); margin-left: 8px; }
</style>
</head>
<body>
<header>
  <h1>Message bus</h1>
  <span id="instance"></span>
  <span id="status" class="status">connecting</span>
</header>
<main>
  <div class="cards">
    <div class="card"><div class="label">published / s</div><div class="value" id="rate-published">-</div></div>
    <div class="card"><div class="label">delivered / s</div><div class="value" id="rate-delivered">-</div></div>
    <div class="card"><div class="label">failed / s</div><div class="value" id="rate-failed">-</div></div>
    <div class="card"><div class="label">in flight</div><div class="value" id="in-flight">-</div></div>
    <div class="card"><div class="label">queued</div><div class="value" id="queued">-</div></div>
    <div class="card"><div class="label">dead letters</div><div class="value" id="dead-letter-count">-</div></div>
    <div class="card"><div class="label">dead-lettered (total)</div><div class="value" id="dead-lettered">-</div></div>
    <div class="card"><div class="label">WebSocket clients</div><div class="value" id="clients">-</div></div>
  </div>
  <section>
    <h2>Throughput, last 5 minutes
      <span class="legend toolbar"><span><i style="background:#2f6fde"></i>published</span><span><i style="background:#1f9d55"></i>delivered</span><span><i style="background:#d64545"></i>failed</span></span>
    </h2>
    <canvas id="chart"></canvas>
  </section>
  <section>
    <h2>Dead letters
      <span class="toolbar">
        <input id="dead-letter-topic" placeholder="topic (all)" aria-label="topic filter">
        <button id="dead-letter-refresh">Refresh</button>
        <button id="dead-letter-replay-all">Replay all</button>
        <button id="dead-letter-purge" class="danger">Purge</button>
      </span>
    </h2>
    <div id="note" role="status"></div>
    <table>
      <thead><tr><th>when</th><th>topic</th><th>reason</th><th>handler</th><th>attempt</th><th>error</th><th>payload</th><th></th></tr></thead>
      <tbody id="dead-letters"></tbody>
    </table>
    <div class="empty" id="dead-letters-empty">No dead letters.</div>
  </section>
  <section>
    <h2>Live events <span class="toolbar mono" id="event-patterns"></span></h2>
    <table>
      <thead><tr><th>when</th><th>topic</th><th>session</th><th>id</th><th>payload</th></tr></thead>
      <tbody id="events"></tbody>
    </table>
    <div class="empty" id="events-empty">Waiting for events.</div>
  </section>
  <section>
    <h2>Channels
      <span class="toolbar"><a id="asyncapi-json" href="">asyncapi.json</a><a id="asyncapi-yaml" href="">asyncapi.yaml</a></span>
    </h2>
    <ul class="tree" id="channels"></ul>
  </section>
  <section>
    <h2>Handlers</h2>
    <table>
      <thead><tr><th>handler</th><th>kind</th><th>patterns</th><th>group</th><th>priority</th><th>broadcast</th><th>attempts</th><th>circuit</th></tr></thead>
      <tbody id="handlers"></tbody>
    </table>
  </section>
</main>
<script type="application/json" id="bus-admin-config">${json}</script>
<script src="${script}" defer></script>
</body>
</html>
`;
}
