import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSampleApp, type SampleApp } from './sample-app.js';

describe('sample: operating the bus', () => {
  let sample: SampleApp;
  beforeEach(async () => {
    sample = await startSampleApp();
  });
  afterEach(() => sample.close());

  it('GET / answers with an index of the routes, not a 404', async () => {
    const { body } = await sample.http.get('/').expect(200);
    expect(body).toMatchObject({ name: 'voice-assistant', websocket: '/bus-events', console: '/bus-admin' });
    expect(body.routes).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: '/' },
        { method: 'POST', path: '/speak' },
        { method: 'GET', path: '/messages' },
        { method: 'POST', path: '/devices/:id/switch' },
        { method: 'GET', path: '/health' },
        { method: 'GET', path: '/metrics' },
        { method: 'GET', path: '/bus-admin/dead-letters' },
      ]),
    );
    // Every listed route exists: none answers 404.
    for (const { method, path } of body.routes as { method: string; path: string }[]) {
      if (method !== 'GET' || path.includes(':') || path.startsWith('/bus-admin')) continue;
      const { status } = await sample.http.get(path);
      expect(status, path).not.toBe(404);
    }
  });

  it('GET /health reports the bus up, with details', async () => {
    const { body } = await sample.http.get('/health').expect(200);
    expect(body).toMatchObject({
      status: 'ok',
      info: { bus: { status: 'up', transport: 'memory', connected: true, deadLetters: 0, queued: 0 } },
    });
  });

  it('GET /metrics serves Prometheus text with what a spoken request set in motion', async () => {
    await sample.http.post('/speak').send({ text: 'Count me' }).expect(200);
    await sample.recorder.waitFor('History.Updated');
    const { text, headers } = await sample.http.get('/metrics').expect(200);
    expect(headers['content-type']).toMatch(/^text\/plain/);
    expect(text).toContain('bus_messages_published_total{kind="command",topic="Speech.Speak"} 1');
    expect(text).toMatch(/bus_messages_handled_total\{kind="event",pattern="TTS\.\*",handler="HistoryService\.\w+"\} 2/);
    expect(text).toMatch(/# TYPE bus_handler_duration_seconds histogram/);
  });
});
