import { Injectable } from '@nestjs/common';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler, EventHandler, TransportError } from 'nestjs-message-bus';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { AppTracker, bootstrapFailure, until } from '../../support/bus-app.js';
import { NatsServer } from './support/nats-server.js';

// nats-servers of their own on free ports: one requiring TLS, one verifying client certificates, one in plaintext.
const available = await brokerAvailable('NATS', NATS_URL);
const PASSWORD = 'Tls-pa55word';

@Injectable()
class Orders {
  readonly placed: unknown[] = [];
  readonly seen: unknown[] = [];
  @CommandHandler('orders.place')
  place(order: unknown) {
    this.placed.push(order);
    return { accepted: true };
  }
  @EventHandler('orders.*')
  on(event: unknown) {
    this.seen.push(event);
  }
}

/** Nothing a test shows may hold a credential. */
function expectMasked(texts: string[], secrets: string[]): void {
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
}

describe.runIf(available)('nats: TLS', () => {
  const apps = new AppTracker();
  let secure: NatsServer;
  let mutual: NatsServer;
  let plaintext: NatsServer;
  beforeAll(async () => {
    [secure, mutual, plaintext] = await Promise.all([
      NatsServer.start({ user: 'bus', pass: PASSWORD, tls: {} }),
      NatsServer.start({ tls: { verifyClients: true } }),
      NatsServer.start(),
    ]);
  });
  afterAll(async () => {
    await apps.closeAll();
    await Promise.all([secure, mutual, plaintext].map((server) => server?.dispose()));
  });
  const ca = () => secure.certificates!.ca;

  it('a tls:// server with its CA: sends and events are handled end to end; logs show the URL masked', async () => {
    const app = await apps.start({ transport: new NatsTransport({ servers: secure.url, tls: { ca: ca() }, stream: 'tls' }), providers: [Orders] });
    expect(await app.bus.execute('orders.place', { sku: 'socks' })).toMatchObject({ ok: true, data: { accepted: true } });
    await app.bus.send('orders.place', { sku: 'hats' });
    await app.bus.publish('orders.placed', { sku: 'hats' });
    await until(() => app.get(Orders).placed.length === 2 && app.get(Orders).seen.length === 1);
    expect(app.get(Orders).placed).toEqual([{ sku: 'socks' }, { sku: 'hats' }]);
    expect(app.logger.lines).toContainEqual(expect.stringContaining(`Connected to NATS at tls://bus:***@127.0.0.1:${secure.port}`));
    expectMasked(app.logger.lines, [PASSWORD]);
  });

  it('without the CA the certificate is refused (rejectUnauthorized is on by default) with a TransportError naming the server', async () => {
    for (const servers of [secure.url, secure.url.replace('tls://', 'nats://')]) {
      const transport = new NatsTransport({ servers, stream: 'tls' });
      const { error, logger } = await bootstrapFailure({ transport });
      expect(error).toBeInstanceOf(TransportError);
      expect(error).toMatchObject({ name: 'NatsTransportError', code: 'TRANSPORT_ERROR' });
      expect(error.message).toContain(`Could not connect (NATS at ${servers.split('://')[0]}://bus:***@127.0.0.1:${secure.port})`);
      expect(error.message).toMatch(/unable to verify the first certificate/);
      expectMasked([error.message, String(error.stack), inspect(error, { depth: 10 }), inspect(transport, { depth: 10 }), ...logger.lines], [PASSWORD]);
    }
  });

  it('rejectUnauthorized: false reaches the socket: the unknown certificate is then accepted', async () => {
    const app = await apps.start({ transport: new NatsTransport({ servers: secure.url, tls: { rejectUnauthorized: false }, stream: 'tls' }) });
    expect(await app.bus.request('nobody.answers', {})).toMatchObject({ ok: false, error: { code: 'NO_HANDLER' } });
  });

  it('never falls back to plaintext: a tls:// URL, or TLS options, refuse a server that does not offer TLS', async () => {
    for (const transport of [
      new NatsTransport({ servers: plaintext.url.replace('nats://', 'tls://'), stream: 'tls' }),
      new NatsTransport({ servers: plaintext.url, tls: { ca: ca() }, stream: 'tls' }),
    ]) {
      const { error } = await bootstrapFailure({ transport });
      expect(error).toBeInstanceOf(TransportError);
      expect(error.message).toContain(`127.0.0.1:${plaintext.port}`);
      expect(error.message).toContain("server does not support 'tls'");
    }
  });

  it('a client certificate for a server that verifies clients; its key never shows', async () => {
    const { ca: mutualCa, clientCert, clientKey } = mutual.certificates!;
    const transport = new NatsTransport({ servers: mutual.url, tls: { ca: mutualCa, cert: clientCert, key: clientKey }, stream: 'tls' });
    const app = await apps.start({ transport, providers: [Orders] });
    expect(await app.bus.execute('orders.place', { sku: 'gloves' })).toMatchObject({ ok: true });
    const keyBody = clientKey.split('\n')[1];
    expect(inspect(transport, { depth: 10 })).toContain("key: '***'");
    expectMasked([inspect(transport, { depth: 10, showHidden: true }), JSON.stringify(transport), ...app.logger.lines], [keyBody]);
  });
});
