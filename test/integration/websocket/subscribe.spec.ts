import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordBus } from 'nestjs-message-bus/testing';
import { specTransports } from '../../support/spec-transports.js';
import { startBridgeApp, type BridgeApp } from './bridge-app.js';

describe.each(await specTransports())('WebSocket bridge on $name: subscribing', (transport) => {
  let bridgeApp: BridgeApp;

  beforeEach(async () => {
    bridgeApp = await startBridgeApp({
      transport: transport.make(),
      bridge: { path: 'live', allow: { subscribe: ['TTS.*', 'Device.#'] }, pingIntervalMs: false },
    });
  });

  afterEach(async () => {
    await bridgeApp.close();
  });

  it('delivers the events of a subscribed pattern as JSON frames', async () => {
    const client = await bridgeApp.connect();
    const recorder = recordBus(bridgeApp.bus);

    client.send({ op: 'subscribe', patterns: ['TTS.*'], ref: 1 });
    expect(await client.next()).toEqual({ type: 'subscribed', ref: 1, patterns: ['TTS.*'], replayed: 0, gap: false });
    await bridgeApp.bus.publish('TTS.Started', { text: 'Hello' }, { sessionId: 'kitchen' });

    const [published] = recorder.published('TTS.Started');
    expect(await client.next()).toEqual({
      type: 'event',
      topic: 'TTS.Started',
      payload: { text: 'Hello' },
      id: published.id,
      correlationId: published.correlationId,
      sessionId: 'kitchen',
      timestamp: published.timestamp,
    });
    recorder.stop();
  });

  it('sends only what matches: other topics stay out', async () => {
    const client = await bridgeApp.connect();
    await client.subscribe(['TTS.Finished']);

    await bridgeApp.bus.publish('TTS.Started', { n: 1 });
    await bridgeApp.bus.publish('Device.Switched', { n: 2 });
    await bridgeApp.bus.publish('TTS.Finished', { n: 3 });

    expect(await client.next('event')).toMatchObject({ topic: 'TTS.Finished', payload: { n: 3 } });
  });

  it('fans one event out to every subscribed client, once per client', async () => {
    const [first, second] = await Promise.all([bridgeApp.connect(), bridgeApp.connect()]);
    await first.subscribe(['TTS.*', 'TTS.Started']);
    await second.subscribe(['TTS.Started']);

    await bridgeApp.bus.publish('TTS.Started', { text: 'both' });
    await bridgeApp.bus.publish('TTS.Finished', { text: 'first only' });

    expect(await first.next('event')).toMatchObject({ topic: 'TTS.Started' });
    expect(await first.next('event')).toMatchObject({ topic: 'TTS.Finished' });
    expect(await second.next('event')).toMatchObject({ topic: 'TTS.Started' });
    expect(bridgeApp.bridge.clientCount).toBe(2);
  });

  it('stops sending after unsubscribe', async () => {
    const client = await bridgeApp.connect();
    await client.subscribe(['TTS.*', 'Device.#']);

    client.send({ op: 'unsubscribe', patterns: ['TTS.*', 'Never.Held'], ref: 'u' });
    expect(await client.next()).toEqual({ type: 'unsubscribed', ref: 'u', patterns: ['TTS.*'] });
    await bridgeApp.bus.publish('TTS.Started', {});
    await bridgeApp.bus.publish('Device.Switched', {});
    expect(await client.next('event')).toMatchObject({ topic: 'Device.Switched' });

    client.send({ op: 'unsubscribe' });
    expect(await client.next()).toEqual({ type: 'unsubscribed', patterns: ['Device.#'] });
    expect(bridgeApp.bridge.hasSubscribers('Device.Switched')).toBe(false);
  });

  it('answers a pattern outside the allowance with an error frame, not the data', async () => {
    const client = await bridgeApp.connect();

    // TTS.# also matches TTS and TTS.A.B, which TTS.* does not allow.
    for (const patterns of [['Secret.*'], ['TTS.#'], ['#'], ['TTS.Started', 'Secret.Plans']]) {
      client.send({ op: 'subscribe', patterns, ref: patterns.join() });
      expect(await client.next()).toMatchObject({ type: 'error', op: 'subscribe', code: 'FORBIDDEN', ref: patterns.join() });
    }
    await bridgeApp.bus.publish('Secret.Plans', { world: 'domination' });
    await bridgeApp.bus.publish('TTS.Started', {});
    await client.subscribe(['Device.*.on']);
    await bridgeApp.bus.publish('Device.lamp.on', {});

    // Nothing of the refused frames was subscribed, not even their allowed patterns.
    expect(await client.next('event')).toMatchObject({ topic: 'Device.lamp.on' });
  });

  it('answers malformed frames with error frames and keeps the connection', async () => {
    const client = await bridgeApp.connect();

    client.send('not json');
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME' });
    client.send({ op: 'dance' });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME' });
    client.send({ op: 'subscribe', patterns: 'TTS.*' });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME', op: 'subscribe' });
    client.send({ op: 'subscribe', patterns: ['TTS..*'] });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'INVALID_PATTERN', op: 'subscribe' });
    client.send({ op: 'ping', ref: { not: 'a ref' } });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME' });
    client.socket.send(Buffer.from('{"op":"ping"}'), { binary: true });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_FRAME' });

    client.send({ op: 'ping', ref: 7 });
    expect(await client.next()).toEqual({ type: 'pong', ref: 7 });
  });

  it('binds the allowed patterns on the bus once, as a broadcast handler of this instance', async () => {
    const stats = bridgeApp.bus.getStats();
    await bridgeApp.bus.publish('TTS.Started', {});
    await bridgeApp.bus.publish('Unrelated.Topic', {});

    await expect.poll(() => bridgeApp.bus.getStats().delivered).toBe(stats.delivered + 1);
    expect(bridgeApp.bus.getStats().unrouted).toBe(stats.unrouted + 1);
  });
});
