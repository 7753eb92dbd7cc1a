import { afterEach, describe, expect, it } from 'vitest';
import type { EventFrame } from 'nestjs-message-bus/websocket';
import { startBridgeApp, type BridgeApp } from './bridge-app.js';

describe('WebSocket bridge: catching up after a reconnection', () => {
  let bridgeApp: BridgeApp;

  afterEach(async () => {
    await bridgeApp?.close();
  });

  const start = (catchUp?: { windowMs?: number; maxEvents?: number } | false) =>
    startBridgeApp({ bridge: { allow: { subscribe: ['TTS.*', 'Device.*'] }, catchUp, pingIntervalMs: false } });

  it('delivers the events missed since the last seen id, in order, then live ones', async () => {
    bridgeApp = await start();
    const before = await bridgeApp.connect();
    await before.subscribe(['TTS.*']);
    await bridgeApp.bus.publish('TTS.Started', { n: 1 });
    const lastSeen = await before.next('event');
    await before.close();

    await bridgeApp.bus.publish('TTS.Finished', { n: 2 });
    await bridgeApp.bus.publish('Device.Switched', { n: 3 });
    await bridgeApp.bus.publish('TTS.Started', { n: 4 });
    const after = await bridgeApp.connect();
    after.send({ op: 'subscribe', patterns: ['TTS.*'], lastId: lastSeen.id, ref: 'again' });

    const missed = [await after.next('event'), await after.next('event')];
    expect(missed.map((frame) => frame.payload)).toEqual([{ n: 2 }, { n: 4 }]);
    expect(await after.next()).toEqual({ type: 'subscribed', ref: 'again', patterns: ['TTS.*'], replayed: 2, gap: false });
    await bridgeApp.bus.publish('TTS.Finished', { n: 5 });
    expect(await after.next('event')).toMatchObject({ payload: { n: 5 } });
  });

  it('replays nothing when nothing was missed', async () => {
    bridgeApp = await start();
    const client = await bridgeApp.connect();
    await client.subscribe(['Device.*']);
    await bridgeApp.bus.publish('Device.Switched', { n: 1 });
    const last = await client.next('event');
    await client.close();

    const again = await bridgeApp.connect();
    again.send({ op: 'subscribe', patterns: ['Device.*'], lastId: last.id });

    expect(await again.next()).toMatchObject({ type: 'subscribed', replayed: 0, gap: false });
  });

  it('does not replay events of patterns the client held already', async () => {
    bridgeApp = await start();
    const client = await bridgeApp.connect();
    await client.subscribe(['TTS.*']);
    await bridgeApp.bus.publish('TTS.Started', { n: 1 });
    const first = await client.next('event');
    await bridgeApp.bus.publish('TTS.Finished', { n: 2 });
    await bridgeApp.bus.publish('Device.Switched', { n: 3 });
    expect(await client.next('event')).toMatchObject({ payload: { n: 2 } });

    client.send({ op: 'subscribe', patterns: ['TTS.Finished', 'Device.*'], lastId: first.id });

    // TTS.Finished came live through TTS.*; only the Device event is new to this client.
    expect(await client.next('event')).toMatchObject({ topic: 'Device.Switched', payload: { n: 3 } });
    expect(await client.next()).toMatchObject({ type: 'subscribed', replayed: 1, gap: false });
  });

  it('reports a gap when the last seen id has left the window', async () => {
    bridgeApp = await start({ maxEvents: 2 });
    const client = await bridgeApp.connect();
    await client.subscribe(['TTS.*']);
    await bridgeApp.bus.publish('TTS.Started', { n: 1 });
    const old = await client.next('event');
    await client.close();
    for (const n of [2, 3, 4]) await bridgeApp.bus.publish('TTS.Started', { n });

    const again = await bridgeApp.connect();
    again.send({ op: 'subscribe', patterns: ['TTS.*'], lastId: old.id });
    expect(await again.next()).toEqual({ type: 'subscribed', patterns: ['TTS.*'], replayed: 0, gap: true });
    again.send({ op: 'subscribe', patterns: ['Device.*'], lastId: 'never-seen' });
    expect(await again.next()).toMatchObject({ type: 'subscribed', gap: true });
  });

  it('keeps nothing older than windowMs', async () => {
    bridgeApp = await start({ windowMs: 20 });
    const client = await bridgeApp.connect();
    await client.subscribe(['TTS.*']);
    await bridgeApp.bus.publish('TTS.Started', { n: 1 });
    const seen: EventFrame = await client.next('event');
    await bridgeApp.bus.publish('TTS.Started', { n: 2 });
    await client.next('event');

    // The window is about time: nothing but waiting makes an event old.
    await new Promise((resolve) => setTimeout(resolve, 40));
    client.send({ op: 'subscribe', patterns: ['Device.*', 'TTS.Started'], lastId: seen.id });
    expect(await client.next()).toMatchObject({ type: 'subscribed', replayed: 0, gap: true });
  });

  it('keeps nothing with catchUp: false', async () => {
    bridgeApp = await start(false);
    const client = await bridgeApp.connect();
    await client.subscribe(['TTS.*']);
    await bridgeApp.bus.publish('TTS.Started', {});
    const seen = await client.next('event');

    client.send({ op: 'subscribe', patterns: ['Device.*'], lastId: seen.id });
    expect(await client.next()).toMatchObject({ type: 'subscribed', replayed: 0, gap: true });
  });
});
