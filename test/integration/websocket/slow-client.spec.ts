import { afterEach, describe, expect, it } from 'vitest';
import { BridgeCloseCode } from 'nestjs-message-bus/websocket';
import { until } from '../../support/bus-app.js';
import { startBridgeApp, type BridgeApp } from './bridge-app.js';

const MAX_BUFFERED_BYTES = 64 * 1024;

describe('WebSocket bridge: slow and dead clients', () => {
  let bridgeApp: BridgeApp;

  afterEach(async () => {
    await bridgeApp?.close();
  });

  it('disconnects a client that stops reading once its send buffer is full (4429), and only that one', async () => {
    bridgeApp = await startBridgeApp({
      bridge: {
        allow: { subscribe: ['Load.*'] },
        maxBufferedBytes: MAX_BUFFERED_BYTES,
        catchUp: false,
        pingIntervalMs: false,
      },
    });
    const slow = await bridgeApp.connect();
    const healthy = await bridgeApp.connect();
    await slow.subscribe(['Load.*']);
    await healthy.subscribe(['Load.*']);
    slow.socket.pause();

    // Until the kernel's socket buffers are full, writes do not even reach ws's buffer: how many
    // events that takes depends on the machine, so publish until the bridge lets go.
    const payload = { blob: 'x'.repeat(32 * 1024) };
    let published = 0;
    await until(
      async () => {
        await bridgeApp.bus.publish('Load.Tick', payload);
        published += 1;
        return bridgeApp.bridge.clientCount === 1;
      },
      10_000,
      'the slow client to be cut off',
    );
    slow.socket.resume();

    expect(await slow.closed).toEqual({ code: BridgeCloseCode.SLOW_CLIENT, reason: 'Too slow: send buffer full' });
    // The events sent before the cut-off filled the kernel's buffers and then the limit; the rest never were.
    const events = (frames: { type: string }[]) => frames.filter((frame) => frame.type === 'event').length;
    expect(events(slow.frames)).toBeLessThan(published);
    await until(() => events(healthy.frames) === published, 5000, 'the healthy client to get every event');
    expect(bridgeApp.logger.lines.filter((line) => line.includes('not reading'))).toHaveLength(1);
  });

  it('pings clients and drops those that stop answering', async () => {
    bridgeApp = await startBridgeApp({ bridge: { allow: { subscribe: ['TTS.*'] }, pingIntervalMs: 20 } });
    const silent = await bridgeApp.connect({ autoPong: false });
    const alive = await bridgeApp.connect();
    await alive.subscribe(['TTS.*']);

    // Terminated, not closed: a dead peer would never answer a closing handshake.
    expect((await silent.closed).code).toBe(1006);
    await bridgeApp.bus.publish('TTS.Started', {});
    expect(await alive.next('event')).toMatchObject({ topic: 'TTS.Started' });
    expect(bridgeApp.bridge.clientCount).toBe(1);
  });

  it('closes its clients with 1001 when the application shuts down', async () => {
    bridgeApp = await startBridgeApp({ bridge: { allow: { subscribe: ['TTS.*'] }, pingIntervalMs: false } });
    const client = await bridgeApp.connect();
    await client.subscribe(['TTS.*']);

    await bridgeApp.app.close();

    expect(await client.closed).toEqual({ code: BridgeCloseCode.GOING_AWAY, reason: 'Server shutting down' });
  });
});
