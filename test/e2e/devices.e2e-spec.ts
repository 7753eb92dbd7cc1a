import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSampleApp, type SampleApp } from './sample-app.js';

describe('sample: devices, retries and dead letters', () => {
  let sample: SampleApp;

  beforeEach(async () => {
    sample = await startSampleApp();
  });

  afterEach(async () => {
    await sample.close();
  });

  it('switches a device through Device.Switch and publishes Device.Switched', async () => {
    const { body } = await sample.http.post('/devices/lamp/switch').send({ on: true }).expect(200);
    const [switched] = await sample.recorder.waitFor('Device.Switched');

    expect(body).toEqual({ ok: true, data: { id: 'lamp', on: true, online: true }, commandId: expect.any(String) });
    expect(switched).toMatchObject({
      payload: { deviceId: 'lamp', on: true },
      correlationId: body.commandId,
      causationId: body.commandId,
    });
    const devices = await sample.http.get('/devices').expect(200);
    expect(devices.body).toEqual([
      { id: 'lamp', on: true, online: true },
      { id: 'heater', on: false, online: true },
      { id: 'radio', on: false, online: true },
    ]);
  });

  it('retries a failing command, dead-letters it, and replays it once the device is back', async () => {
    const unplugged = { id: 'lamp', on: false, online: false };
    await sample.http.patch('/devices/lamp').send({ online: false }).expect(200, unplugged);

    const failed = await sample.http.post('/devices/lamp/switch').send({ on: true }).expect(500);

    const commandId: string = failed.body.commandId;
    expect(failed.body).toEqual({
      ok: false,
      error: { code: 'HANDLER_ERROR', message: 'Device "lamp" is offline' },
      commandId: expect.any(String),
    });
    const letters = await sample.http.get('/bus-admin/dead-letters').expect(200);
    expect(letters.body).toEqual([
      expect.objectContaining({
        id: expect.any(String),
        reason: 'ATTEMPTS_EXHAUSTED',
        error: { message: 'Device "lamp" is offline' },
        handler: 'DevicesService.switch',
        group: 'voice-assistant',
        envelope: expect.objectContaining({
          id: commandId,
          topic: 'Device.Switch',
          kind: 'command',
          payload: { deviceId: 'lamp', on: true },
          attempt: 3,
          maxAttempts: 3,
        }),
      }),
    ]);
    expect((await sample.http.get('/bus-admin/stats').expect(200)).body.bus).toMatchObject({
      published: 1,
      delivered: 0,
      failed: 3,
      retried: 2,
      deadLettered: 1,
    });
    expect(sample.recorder.published('Device.Switched')).toEqual([]);

    await sample.http.patch('/devices/lamp').send({ online: true }).expect(200);
    await sample.http.post('/bus-admin/dead-letters/replay').send({ id: letters.body[0].id }).expect(200, { replayed: 1 });
    const [switched] = await sample.recorder.waitFor('Device.Switched');

    // The replayed command keeps its id, so what it causes stays in the original chain.
    expect(switched).toMatchObject({
      payload: { deviceId: 'lamp', on: true },
      correlationId: commandId,
      causationId: commandId,
    });
    expect((await sample.http.get('/devices').expect(200)).body[0]).toEqual({ id: 'lamp', on: true, online: true });
    await sample.http.get('/bus-admin/dead-letters').expect(200, []);
    // Published: the command, its replay and Device.Switched. Delivered: the replayed command,
    // then Device.Switched to the WebSocket bridge (it relays Device.*).
    expect((await sample.http.get('/bus-admin/stats').expect(200)).body.bus).toEqual({
      published: 3,
      delivered: 2,
      failed: 3,
      retried: 2,
      deadLettered: 1,
      deadLetterFailures: 0,
      dropped: 0,
      unrouted: 0,
      filtered: 0,
      duplicates: 0,
      staleAcks: 0,
      inFlight: 0,
      queued: 0,
      circuits: {},
    });
  });

  it('dead-letters an unrecoverable failure at once, without retries', async () => {
    const { body } = await sample.http.post('/devices/toaster/switch').send({ on: true }).expect(500);

    expect(body).toEqual({
      ok: false,
      error: { code: 'HANDLER_ERROR', message: 'Unknown device "toaster"' },
      commandId: expect.any(String),
    });
    const letters = await sample.http.get('/bus-admin/dead-letters').query({ topic: 'Device.Switch' }).expect(200);
    expect(letters.body).toHaveLength(1);
    expect(letters.body[0]).toMatchObject({
      reason: 'UNRECOVERABLE',
      error: { message: 'Unknown device "toaster"', code: 'UNRECOVERABLE' },
      envelope: { id: body.commandId, attempt: 1 },
    });
    const stats = await sample.http.get('/bus-admin/stats').expect(200);
    expect(stats.body.bus).toMatchObject({ published: 1, delivered: 0, failed: 1, retried: 0, deadLettered: 1 });
  });

  it('replays dead letters by topic and purges the rest', async () => {
    await sample.http.post('/devices/toaster/switch').send({ on: true }).expect(500);
    await sample.http.post('/devices/kettle/switch').send({ on: true }).expect(500);
    await sample.http.post('/commands/Speech.Speak').send({}).expect(500);

    const first = await sample.http.get('/bus-admin/dead-letters').query({ limit: 2 }).expect(200);
    const topics = first.body.map((letter: { envelope: { topic: string } }) => letter.envelope.topic);
    expect(topics).toEqual(['Device.Switch', 'Device.Switch']);

    await sample.http.post('/bus-admin/dead-letters/replay').send({ topic: 'Device.Switch' }).expect(200, { replayed: 2 });

    // Replayed, the unknown devices fail again and are dead-lettered anew, under new ids.
    const again = await sample.http.get('/bus-admin/dead-letters').query({ topic: 'Device.Switch' }).expect(200);
    expect(again.body).toHaveLength(2);
    const ids = (letters: { id: string }[]) => letters.map((letter) => letter.id);
    expect(ids(again.body)).not.toEqual(expect.arrayContaining(ids(first.body)));
    await sample.http.delete('/bus-admin/dead-letters').query({ topic: 'Speech.Speak' }).expect(200, { purged: 1 });
    await sample.http.delete('/bus-admin/dead-letters').expect(200, { purged: 2 });
    await sample.http.get('/bus-admin/dead-letters').expect(200, []);
  });

  it('answers 404 for an unknown device and 400 for a malformed request', async () => {
    await sample.http.patch('/devices/toaster').send({ online: false }).expect(404);
    await sample.http.patch('/devices/lamp').send({ online: 'no' }).expect(400);
    await sample.http.post('/devices/lamp/switch').send({ on: 'yes' }).expect(400);
    await sample.http.get('/bus-admin/dead-letters').query({ limit: 0 }).expect(400);

    expect(sample.recorder.published()).toEqual([]);
  });
});
