import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from 'nestjs-message-bus';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { bootstrapFailure, startBusApp } from '../../support/bus-app.js';
import { NatsServer } from './support/nats-server.js';

// A nats-server of their own, with a user and password, on a free port.
const available = await brokerAvailable('NATS', NATS_URL);
const PASSWORD = 'Right-pa55word';
const WRONG = 'Wr0ng-pa55word';

describe.runIf(available)('nats: credentials', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start({ user: 'bus', pass: PASSWORD });
  });
  afterAll(() => server.dispose());

  it('a refused password fails bootstrap with a TransportError; neither it nor the logs hold the password', async () => {
    const transport = new NatsTransport({ servers: server.url.replace(PASSWORD, WRONG), stream: 'credentials' });
    const { error, logger } = await bootstrapFailure({ transport });
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ name: 'NatsTransportError', code: 'TRANSPORT_ERROR' });
    expect((error as Error).message).toContain(`nats://bus:***@127.0.0.1:${server.port}`);
    for (const text of [inspect(error, { depth: 10 }), inspect(transport, { depth: 10 }), JSON.stringify(transport), ...logger.lines]) {
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('the nats:// URL form picks the NATS transport and connects with the URL credentials; logs never show the password', async () => {
    const app = await startBusApp({ transport: server.url, options: { serviceName: 'by-url' } });
    try {
      expect(app.bus.transportName).toBe('nats');
      await app.bus.publish('nobody.listens', {});
      expect(await app.bus.request('nobody.answers', {})).toMatchObject({ ok: false, error: { code: 'NO_HANDLER' } });
      expect(app.logger.lines.join('\n')).toContain(`nats://bus:***@127.0.0.1:${server.port}`);
      expect(app.logger.lines.join('\n')).not.toContain(PASSWORD);
    } finally {
      await app.close();
    }
  });
});
