import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSampleApp, type SampleApp } from './sample-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('sample: speech, history and screen', () => {
  let sample: SampleApp;

  beforeEach(async () => {
    sample = await startSampleApp();
  });

  afterEach(async () => {
    await sample.close();
  });

  it('answers POST /speak with the command result once the text is spoken', async () => {
    const response = await sample.http.post('/speak').send({ text: 'Hello there', sessionId: 'kitchen' }).expect(200);

    const [command] = sample.recorder.published('Speech.Speak');
    expect(response.body).toEqual({
      ok: true,
      commandId: command.id,
      data: { utteranceId: expect.stringMatching(UUID), sessionId: 'kitchen', text: 'Hello there', durationMs: 800 },
    });
    expect(command).toMatchObject({ kind: 'command', payload: { text: 'Hello there' }, sessionId: 'kitchen' });
  });

  it('publishes TTS.Started then TTS.Finished in the causal chain of the command', async () => {
    const { body } = await sample.http.post('/speak').send({ text: 'Good morning', sessionId: 'kitchen' }).expect(200);
    const [updated] = await sample.recorder.waitFor('History.Updated');

    const commandId: string = body.commandId;
    const [started, finished] = sample.recorder.published('TTS.*');
    expect(sample.recorder.published('TTS.*')).toHaveLength(2);
    expect(started).toMatchObject({
      topic: 'TTS.Started',
      kind: 'event',
      payload: { utteranceId: body.data.utteranceId, text: 'Good morning' },
      correlationId: commandId,
      causationId: commandId,
      sessionId: 'kitchen',
    });
    expect(finished).toMatchObject({
      topic: 'TTS.Finished',
      payload: { utteranceId: body.data.utteranceId, text: 'Good morning', durationMs: 800 },
      correlationId: commandId,
      causationId: commandId,
      sessionId: 'kitchen',
    });
    expect(started.timestamp).toBeLessThanOrEqual(finished.timestamp);
    // The history's announcement is caused by TTS.Finished, and its priority-90 handler ran
    // after the priority-10 one had stored TTS.Finished: both messages are counted.
    expect(updated).toMatchObject({
      correlationId: commandId,
      causationId: finished.id,
      sessionId: 'kitchen',
      payload: { sessionId: 'kitchen', messageCount: 2 },
    });
  });

  it('opens a new session when POST /speak names none', async () => {
    const { body } = await sample.http.post('/speak').send({ text: 'Hi' }).expect(200);
    const [finished] = await sample.recorder.waitFor('TTS.Finished');

    expect(body.data.sessionId).toEqual(expect.any(String));
    expect(body.data.sessionId).not.toBe('');
    expect(finished.sessionId).toBe(body.data.sessionId);
  });

  it('serves the stored messages of a session through GET /messages (DB.GetMessages)', async () => {
    const kitchen = await sample.http.post('/speak').send({ text: 'Lights on', sessionId: 'kitchen' }).expect(200);
    await sample.http.post('/speak').send({ text: 'Play jazz', sessionId: 'garage' }).expect(200);
    await sample.recorder.waitFor('History.Updated', { count: 2 });
    const [started, finished] = sample.recorder.published('TTS.*');

    const response = await sample.http.get('/messages').query({ sessionId: 'kitchen' }).expect(200);

    const commandId: string = kitchen.body.commandId;
    const utteranceId: string = kitchen.body.data.utteranceId;
    expect(response.body).toEqual({
      ok: true,
      data: [
        {
          id: started.id,
          topic: 'TTS.Started',
          text: 'Lights on',
          utteranceId,
          correlationId: commandId,
          causationId: commandId,
          sessionId: 'kitchen',
          timestamp: started.timestamp,
        },
        {
          id: finished.id,
          topic: 'TTS.Finished',
          text: 'Lights on',
          utteranceId,
          correlationId: commandId,
          causationId: commandId,
          sessionId: 'kitchen',
          timestamp: finished.timestamp,
        },
      ],
    });
    const [query] = sample.recorder.published('DB.GetMessages');
    expect(query).toMatchObject({ kind: 'query', payload: { sessionId: 'kitchen' } });
  });

  it('keeps the most recent messages when GET /messages has a limit, of every session without sessionId', async () => {
    await sample.http.post('/speak').send({ text: 'One', sessionId: 'a' }).expect(200);
    await sample.http.post('/speak').send({ text: 'Two', sessionId: 'b' }).expect(200);
    await sample.recorder.waitFor('History.Updated', { count: 2 });

    const all = await sample.http.get('/messages').expect(200);
    const latest = await sample.http.get('/messages').query({ limit: 1 }).expect(200);

    expect(all.body.data.map((m: { topic: string; text: string }) => `${m.topic} ${m.text}`)).toEqual([
      'TTS.Started One',
      'TTS.Finished One',
      'TTS.Started Two',
      'TTS.Finished Two',
    ]);
    expect(latest.body.data).toHaveLength(1);
    expect(latest.body.data[0]).toMatchObject({ topic: 'TTS.Finished', text: 'Two', sessionId: 'b' });
  });

  it('rejects a bad limit with 400 without asking the query', async () => {
    await sample.http.get('/messages').query({ limit: 0 }).expect(400);
    await sample.http.get('/messages').query({ limit: 'ten' }).expect(400);

    expect(sample.recorder.published('DB.GetMessages')).toEqual([]);
  });

  it('rejects POST /speak without text with 400 and sends no command', async () => {
    await sample.http.post('/speak').send({}).expect(400);
    await sample.http.post('/speak').send({ text: '   ' }).expect(400);
    await sample.http.post('/speak').send({ text: 'Hi', sessionId: 42 }).expect(400);

    expect(sample.recorder.published()).toEqual([]);
  });

  it('shows the caption and the conversation size on the screen (broadcast handlers)', async () => {
    await sample.http.get('/screen').expect(200, { caption: null, speaking: false, messageCount: 0 });

    await sample.http.post('/speak').send({ text: 'Dinner is ready', sessionId: 'kitchen' }).expect(200);
    await sample.recorder.waitFor('History.Updated');

    const { body } = await sample.http.get('/screen').expect(200);
    expect(body).toEqual({ caption: 'Dinner is ready', speaking: false, messageCount: 2 });
  });
});
