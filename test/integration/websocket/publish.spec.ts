import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordBus, type BusRecorder } from 'nestjs-message-bus/testing';
import { specTransports } from '../../support/spec-transports.js';
import { startBridgeApp, type BridgeApp } from './bridge-app.js';

describe.each(await specTransports())('WebSocket bridge on $name: publishing', (transport) => {
  let bridgeApp: BridgeApp;
  let recorder: BusRecorder;

  beforeEach(async () => {
    bridgeApp = await startBridgeApp({
      transport: transport.make(),
      bridge: { allow: { subscribe: ['UI.#'], publish: ['UI.*', 'TTS.Interrupted'] }, pingIntervalMs: false },
      bus: { maxPayloadBytes: 1024 },
    });
    recorder = recordBus(bridgeApp.bus);
  });

  afterEach(async () => {
    recorder.stop();
    await bridgeApp.close();
  });

  it('publishes an event to an allowed topic, as an external message', async () => {
    const client = await bridgeApp.connect();

    client.send({ op: 'publish', topic: 'TTS.Interrupted', payload: { by: 'user' }, ref: 'p1' });

    expect(await client.next()).toEqual({ type: 'published', ref: 'p1', topic: 'TTS.Interrupted' });
    expect(recorder.published('TTS.Interrupted')).toEqual([
      expect.objectContaining({ kind: 'event', origin: 'external', payload: { by: 'user' } }),
    ]);
  });

  it('delivers what a client publishes to subscribed clients, the publisher included', async () => {
    const [publisher, listener] = await Promise.all([bridgeApp.connect(), bridgeApp.connect()]);
    await publisher.subscribe(['UI.*']);
    await listener.subscribe(['UI.#']);

    publisher.send({ op: 'publish', topic: 'UI.Clicked', payload: { button: 'stop' } });

    // The event may overtake the acknowledgement: the bus hands it over before publish resolves.
    const frames = [await publisher.next(), await publisher.next()];
    expect(frames).toEqual(
      expect.arrayContaining([
        { type: 'published', topic: 'UI.Clicked' },
        expect.objectContaining({ type: 'event', topic: 'UI.Clicked', payload: { button: 'stop' } }),
      ]),
    );
    expect(await listener.next('event')).toMatchObject({ topic: 'UI.Clicked', payload: { button: 'stop' } });
  });

  it('refuses a topic outside the allowance with an error frame and publishes nothing', async () => {
    const client = await bridgeApp.connect();

    client.send({ op: 'publish', topic: 'Device.Switch', payload: { on: true }, ref: 2 });
    expect(await client.next()).toEqual({
      type: 'error',
      ref: 2,
      op: 'publish',
      code: 'FORBIDDEN',
      message: 'Not allowed to publish to Device.Switch',
    });
    // UI.* allows exactly one more word.
    client.send({ op: 'publish', topic: 'UI.Menu.Opened', payload: {} });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'FORBIDDEN' });

    expect(recorder.published()).toEqual([]);
  });

  it('passes on why the bus refused: a malformed topic, a payload too large', async () => {
    const client = await bridgeApp.connect();

    client.send({ op: 'publish', topic: 'UI..Broken', payload: {} });
    expect(await client.next()).toMatchObject({ type: 'error', op: 'publish', code: 'INVALID_TOPIC' });
    client.send({ op: 'publish', topic: 'UI.Big', payload: { text: 'x'.repeat(2000) } });
    expect(await client.next()).toMatchObject({ type: 'error', op: 'publish', code: 'PAYLOAD_TOO_LARGE' });

    expect(recorder.published()).toEqual([]);
  });
});
