import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { bootstrapFailure, startBusApp } from '../../support/bus-app.js';
import { RedisServer, redisServerInstalled } from './support/redis-server.js';

// These tests start a redis-server of their own, on a free port.
const available = await redisServerInstalled();
const PASSWORD = 'Right-pa55word';
const WRONG = 'Wr0ng-pa55word';

describe.skipIf(!available)('redis: credentials', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({ password: PASSWORD });
  });
  afterAll(() => server.dispose());

  it('a refused password fails bootstrap with a TransportError; neither it nor the logs hold the password', async () => {
    const transport = new RedisTransport({ url: server.urlWith(WRONG), prefix: 'credentials', connectTimeoutMs: 500 });
    const { error, logger } = await bootstrapFailure({ transport });
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ name: 'RedisTransportError', code: 'TRANSPORT_ERROR' });
    expect((error as Error).message).toContain(`redis://:***@127.0.0.1:${server.port}`);
    for (const text of [inspect(error, { depth: 10 }), ...logger.lines]) {
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(PASSWORD);
    }
  });

  it('the URL form picks the Redis transport; its logs never show the password', async () => {
    const app = await startBusApp({ transport: server.url, options: { serviceName: 'by-url' } });
    try {
      expect(app.bus.transportName).toBe('redis');
      await app.bus.publish('nobody.listens', {});
      expect(app.logger.lines.join('\n')).not.toContain(PASSWORD);
    } finally {
      await app.close();
    }
  });
});
