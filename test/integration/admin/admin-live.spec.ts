import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_STATS_TOPIC, MessageBusAdminModule, type AdminStats } from 'nestjs-message-bus/admin';
import { MessageBusBridgeModule } from 'nestjs-message-bus/websocket';
import { specTransports } from '../../support/spec-transports.js';
import { TestClient } from '../websocket/ws-test-client.js';
import { portOf, startAdminApp, TokenGuard, type AdminApp } from './admin-app.js';

describe.each(await specTransports())('MessageBusAdminModule with the WebSocket bridge on $name', (transport) => {
  let admin: AdminApp;
  let clients: TestClient[];

  beforeEach(async () => {
    clients = [];
    admin = await startAdminApp({
      transport: transport.make(),
      listen: true,
      admin: MessageBusAdminModule.forRoot({ guard: TokenGuard, statsIntervalMs: 20 }),
      imports: [
        MessageBusBridgeModule.forRoot({ path: 'live', allow: { subscribe: ['Orders.*', ADMIN_STATS_TOPIC] }, pingIntervalMs: false }),
      ],
    });
  });

  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await admin.close();
  });

  const connect = async () => {
    const client = await TestClient.connect(`ws://127.0.0.1:${portOf(admin.app)}/live`);
    clients.push(client);
    return client;
  };

  it('pushes stats frames to clients subscribed to bus-admin.stats', async () => {
    await admin.failOrder('socks');
    const client = await connect();
    await client.subscribe([ADMIN_STATS_TOPIC]);

    const frame = await client.next('event');

    expect(frame.topic).toBe(ADMIN_STATS_TOPIC);
    expect(frame.payload).toMatchObject<Partial<AdminStats>>({
      transport: transport.name,
      deadLetters: 1,
      websocket: { clients: 1 },
      bus: expect.objectContaining({ deadLettered: 1 }),
    });
    const http = await admin.http.get('/bus-admin/stats').expect(200);
    expect(http.body.websocket).toEqual({ clients: 1 });
  });

  it('tells the console where the bridge is and what it may subscribe to', async () => {
    const page = await admin.http.get('/bus-admin').expect(200);

    expect(page.text).toContain('"websocket":{"path":"/live","patterns":["Orders.*","bus-admin.stats"]}');
  });

  it('lists the bridge as a broadcast handler', async () => {
    const { body } = await admin.http.get('/bus-admin/handlers').expect(200);

    expect(body).toContainEqual(
      expect.objectContaining({ id: 'MessageBusBridge', kind: 'event', patterns: ['Orders.*', ADMIN_STATS_TOPIC], broadcast: true }),
    );
  });
});
