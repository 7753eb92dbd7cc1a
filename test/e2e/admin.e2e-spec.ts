import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSampleApp, type SampleApp } from './sample-app.js';

describe('sample: the bus playground (events, commands, queries) and the admin API', () => {
  let sample: SampleApp;

  beforeEach(async () => {
    sample = await startSampleApp();
  });

  afterEach(async () => {
    await sample.close();
  });

  it('answers 404 NO_HANDLER for a command nobody handles', async () => {
    const { body } = await sample.http.post('/commands/Nobody.Listens').send({ a: 1 }).expect(404);

    expect(body).toEqual({
      ok: false,
      error: { code: 'NO_HANDLER', message: 'No handler for command "Nobody.Listens"' },
      commandId: expect.any(String),
    });
    await sample.http.get('/bus-admin/dead-letters').expect(200, []);
  });

  it('answers 404 NO_HANDLER for a query nobody answers', async () => {
    await sample.http
      .post('/queries/DB.GetWeather')
      .send({})
      .expect(404, { ok: false, error: { code: 'NO_HANDLER', message: 'No handler for query "DB.GetWeather"' } });
  });

  it('executes a command and asks a query by topic, payloads turned into their classes', async () => {
    const spoken = await sample.http
      .post('/commands/Speech.Speak')
      .set('x-session-id', 'ops')
      .send({ text: 'By topic' })
      .expect(200);
    await sample.recorder.waitFor('History.Updated');

    expect(spoken.body).toMatchObject({ ok: true, data: { sessionId: 'ops', text: 'By topic', durationMs: 800 } });
    const { body } = await sample.http.post('/queries/DB.GetMessages').send({ sessionId: 'ops', limit: 1 }).expect(200);
    expect(body.data).toEqual([expect.objectContaining({ topic: 'TTS.Finished', text: 'By topic', sessionId: 'ops' })]);
  });

  it('publishes an external event that the TTS.* history handler stores', async () => {
    await sample.http
      .post('/events/TTS.Interrupted')
      .set('x-session-id', 'ops')
      .send({ text: 'Stop!' })
      .expect(202, { topic: 'TTS.Interrupted' });
    const [event] = await sample.recorder.waitFor('TTS.Interrupted');

    expect(event).toMatchObject({ kind: 'event', origin: 'external', sessionId: 'ops', payload: { text: 'Stop!' } });
    const { body } = await sample.http.get('/messages').query({ sessionId: 'ops' }).expect(200);
    expect(body.data).toEqual([
      {
        id: event.id,
        topic: 'TTS.Interrupted',
        text: 'Stop!',
        utteranceId: null,
        // The first message of a chain is its own correlation and has no cause.
        correlationId: event.id,
        causationId: null,
        sessionId: 'ops',
        timestamp: event.timestamp,
      },
    ]);
  });

  it('answers 400 INVALID_TOPIC for a malformed topic', async () => {
    await sample.http
      .post('/events/Bad..Topic')
      .send({})
      .expect(400)
      .expect((res) => expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_TOPIC' }));
    expect(sample.recorder.published()).toEqual([]);
  });

  it('counts what one spoken request set in motion in GET /bus-admin/stats', async () => {
    const counters = async () => (await sample.http.get('/bus-admin/stats').expect(200)).body.bus;
    const idle = { published: 0, delivered: 0, failed: 0, retried: 0, deadLettered: 0, dropped: 0, unrouted: 0, filtered: 0, inFlight: 0, queued: 0 };
    expect(await counters()).toMatchObject(idle);

    await sample.http.post('/speak').send({ text: 'Count me', sessionId: 'ops' }).expect(200);
    await sample.recorder.waitFor('History.Updated');

    // Published: Speech.Speak, TTS.Started, TTS.Finished, History.Updated. Delivered (handler
    // runs): speak; record, showCaption and the WebSocket bridge for TTS.Started; record,
    // announce, showCaption and the bridge for TTS.Finished; showCount and the bridge for
    // History.Updated.
    expect(await counters()).toMatchObject({ ...idle, published: 4, delivered: 10 });
  });

  it('dead-letters a command its handler refuses, and counts it', async () => {
    const { body } = await sample.http.post('/commands/Speech.Speak').send({}).expect(500);

    expect(body.error).toEqual({ code: 'HANDLER_ERROR', message: 'Nothing to say: text is empty' });
    const letters = await sample.http.get('/bus-admin/dead-letters').expect(200);
    expect(letters.body).toEqual([
      expect.objectContaining({
        reason: 'UNRECOVERABLE',
        handler: 'SpeechService.speak',
        envelope: expect.objectContaining({ id: body.commandId, attempt: 1 }),
      }),
    ]);
    const stats = await sample.http.get('/bus-admin/stats').expect(200);
    expect(stats.body).toMatchObject({ deadLetters: 1, bus: { published: 1, delivered: 0, failed: 1, retried: 0, deadLettered: 1 } });
  });
});
