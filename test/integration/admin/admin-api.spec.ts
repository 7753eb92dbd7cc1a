import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordBus } from 'nestjs-message-bus/testing';
import { specTransports } from '../../support/spec-transports.js';
import { startAdminApp, type AdminApp } from './admin-app.js';

describe.each(await specTransports())('MessageBusAdminModule on $name: the API', (transport) => {
  let admin: AdminApp;

  beforeEach(async () => {
    admin = await startAdminApp({ transport: transport.make() });
  });

  afterEach(async () => {
    await admin.close();
  });

  it('GET /bus-admin/stats: the bus counters, stored dead letters and this instance', async () => {
    await admin.failOrder('socks');

    const { body } = await admin.http.get('/bus-admin/stats').expect(200);

    expect(body).toEqual({
      instanceId: expect.any(String),
      transport: transport.name,
      timestamp: expect.any(Number),
      bus: expect.objectContaining({ published: 1, failed: 1, deadLettered: 1, inFlight: 0, queued: 0 }),
      deadLetters: 1,
      websocket: null,
    });
  });

  it('GET /bus-admin/handlers: topics, groups, priorities, circuits', async () => {
    const { body } = await admin.http.get('/bus-admin/handlers').expect(200);

    expect(body).toEqual([
      {
        id: 'Orders.create',
        kind: 'command',
        patterns: ['Orders.Create'],
        group: 'shop',
        priority: 20,
        broadcast: false,
        retry: { maxAttempts: 3, initialDelayMs: 1000, factor: 2, maxDelayMs: 30000, jitter: false },
        timeoutMs: null,
        circuit: null,
      },
      expect.objectContaining({ id: 'Orders.audit', kind: 'event', patterns: ['Orders.*'], priority: 5, broadcast: true }),
    ]);
    expect(body[1].group).toMatch(/^shop\./);
  });

  it('leaves session handlers out of the list', async () => {
    const session = admin.bus.session('call-1');
    session.on('Orders.*', () => undefined);

    const { body } = await admin.http.get('/bus-admin/handlers').expect(200);

    expect(body.map((handler: { id: string }) => handler.id)).toEqual(['Orders.create', 'Orders.audit']);
    await session.close();
  });

  it('GET /bus-admin/dead-letters: by topic, oldest first, at most limit', async () => {
    const first = await admin.failOrder('socks');
    await admin.failOrder('hats');
    await admin.bus.execute('Orders.Create', { sku: 'x' }, { maxAttempts: 1 });

    const { body } = await admin.http.get('/bus-admin/dead-letters').query({ topic: 'Orders.Create', limit: 2 }).expect(200);

    expect(body).toHaveLength(2);
    expect(body[0]).toMatchObject({
      reason: 'UNRECOVERABLE',
      handler: 'Orders.create',
      error: { message: 'Out of socks' },
      envelope: { id: first, topic: 'Orders.Create', payload: { sku: 'socks' } },
    });
    await admin.http.get('/bus-admin/dead-letters').query({ topic: 'Nothing.Here' }).expect(200, []);
    await admin.http.get('/bus-admin/dead-letters').query({ limit: 0 }).expect(400);
    await admin.http.get('/bus-admin/dead-letters').query({ limit: 1001 }).expect(400);
    await admin.http.get('/bus-admin/dead-letters').query({ limit: 'all' }).expect(400);
  });

  it('POST /bus-admin/dead-letters/replay: one by id, hands it back to its handler', async () => {
    await admin.failOrder('socks');
    const kept = await admin.failOrder('hats');
    const [letter] = (await admin.http.get('/bus-admin/dead-letters').expect(200)).body;
    const recorder = recordBus(admin.bus);
    admin.orders.accepting = true;

    await admin.http.post('/bus-admin/dead-letters/replay').send({ id: letter.id }).expect(200, { replayed: 1 });

    await recorder.waitFor('Orders.Create');
    await expect.poll(() => admin.orders.created).toEqual(['socks']);
    const left = (await admin.http.get('/bus-admin/dead-letters').expect(200)).body;
    expect(left.map((l: { envelope: { id: string } }) => l.envelope.id)).toEqual([kept]);
    await admin.http.post('/bus-admin/dead-letters/replay').send({ id: letter.id }).expect(200, { replayed: 0 });
    recorder.stop();
  });

  it('POST /bus-admin/dead-letters/replay: by topic, or all', async () => {
    await admin.failOrder('socks');
    await admin.failOrder('hats');
    admin.orders.accepting = true;

    await admin.http.post('/bus-admin/dead-letters/replay').send({ topic: 'Other.Topic' }).expect(200, { replayed: 0 });
    await admin.http.post('/bus-admin/dead-letters/replay').send({}).expect(200, { replayed: 2 });

    await expect.poll(() => [...admin.orders.created].sort()).toEqual(['hats', 'socks']);
  });

  it('refuses malformed replay requests with 400', async () => {
    await admin.http.post('/bus-admin/dead-letters/replay').send({ id: 42 }).expect(400);
    await admin.http.post('/bus-admin/dead-letters/replay').send({ topic: ['a'] }).expect(400);
    await admin.http.post('/bus-admin/dead-letters/replay').send({ id: 'a', topic: 'b' }).expect(400);
  });

  it('DELETE /bus-admin/dead-letters: by topic, or all', async () => {
    await admin.failOrder('socks');
    await admin.failOrder('hats');

    await admin.http.delete('/bus-admin/dead-letters').query({ topic: 'Other.Topic' }).expect(200, { purged: 0 });
    await admin.http.delete('/bus-admin/dead-letters').expect(200, { purged: 2 });
    await admin.http.get('/bus-admin/dead-letters').expect(200, []);
  });
});
