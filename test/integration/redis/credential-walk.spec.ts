import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from 'nestjs-message-bus';
import { MessageBusHealthIndicator, MessageBusHealthModule } from 'nestjs-message-bus/health';
import * as entry from 'nestjs-message-bus/redis';
import { bootstrapFailure, startBusApp, until, type BusApp } from '../../support/bus-app.js';
import { expectNoSecret, liveObjects } from '../../support/credential-walk.js';
import { FAIL_PAYLOAD, HOSTILE_TOPIC, HostileTarget } from '../../support/hostile-frames.js';
import { RedisServer, redisServerInstalled } from './support/redis-server.js';

// These tests start a redis-server of their own, on a free port.
const available = await redisServerInstalled();
const PASSWORD = 'Walk-pa55word';
const OPTION_PASSWORD = 'Option-pa55word';
const SECRETS = [PASSWORD, OPTION_PASSWORD];

describe.skipIf(!available)('redis: no public object shows a credential', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({ password: PASSWORD });
  });
  afterAll(() => server.dispose());

  /** What each export of `nestjs-message-bus/redis` makes, constructed with credentials; a new export must be added here. */
  const exported = {
    RedisTransport: () => {
      const transport = new entry.RedisTransport({ url: server.url, redisOptions: { password: OPTION_PASSWORD } });
      return { transport, server: transport.server };
    },
    RedisIdempotencyStore: () => ({ store: new entry.RedisIdempotencyStore(new Redis(server.url, { lazyConnect: true })) }),
    RedisSagaStore: () => ({ store: new entry.RedisSagaStore(new Redis(server.url, { lazyConnect: true })) }),
    RedisTransportError: () => ({ error: new entry.RedisTransportError(`failed at ${server.url}`) }),
    TransportError: () => ({ error: new entry.TransportError(`failed at ${server.url}`) }),
  } satisfies Record<keyof typeof entry, () => Record<string, unknown>>;

  it('walks every export of nestjs-message-bus/redis', () => {
    expect(Object.keys(exported).sort()).toEqual(Object.keys(entry).sort());
    for (const [name, make] of Object.entries(exported)) {
      const objects = make();
      // Errors built by hand hold what they were given; the transport's own are walked below.
      if (name.endsWith('Error')) continue;
      expectNoSecret(Object.fromEntries(Object.entries(objects).map(([key, value]) => [`${name}.${key}`, value])), SECRETS);
    }
  });

  it('a running bus, its connection, stores, consumer, letters, health and metrics; errors of a refused and of a lost connection', async () => {
    const transport = new entry.RedisTransport({ url: server.url, prefix: 'walk', visibilityTimeoutMs: 1000 });
    let app: BusApp | undefined;
    try {
      app = await startBusApp({ transport, providers: [HostileTarget], imports: [MessageBusHealthModule], options: { serviceName: 'walk' } });
      await app.bus.publish(HOSTILE_TOPIC, JSON.parse(FAIL_PAYLOAD), { maxAttempts: 1 });
      const raw = new Redis(server.url);
      await raw.xadd('{walk}:q:walk:5', '*', 'topic', HOSTILE_TOPIC, 'payload', '{');
      raw.disconnect();
      const bus = app.bus;
      await until(async () => (await bus.deadLetters.count()) === 2, 10_000, 'two dead letters');
      const live = await liveObjects(app);

      // An outage: what fails while Redis is away, and what the health check says.
      await server.stop();
      const [publish, count, health] = await Promise.all([
        bus.publish('walk.lost', {}).catch((error: unknown) => error),
        bus.deadLetters.count().catch((error: unknown) => error),
        app.get(MessageBusHealthIndicator).isHealthy('bus'),
      ]);
      const failures = { publish, count, health };
      await server.resume();
      expect(failures.publish).toBeInstanceOf(TransportError);
      expect(failures.health.bus.status).toBe('down');

      const refused = await bootstrapFailure({ transport: new entry.RedisTransport({ url: server.urlWith('Wr0ng-pa55word'), connectTimeoutMs: 500 }) });
      const unreachable = await bootstrapFailure({ transport: new entry.RedisTransport({ url: `redis://:${PASSWORD}@127.0.0.1:1`, connectTimeoutMs: 500 }) });
      expect(refused.error).toBeInstanceOf(TransportError);
      expect(unreachable.error).toBeInstanceOf(TransportError);
      expectNoSecret(
        {
          ...live,
          ...failures,
          refused: refused.error,
          unreachable: unreachable.error,
          logs: [...app.logger.lines, ...refused.logger.lines, ...unreachable.logger.lines].join('\n'),
        },
        [...SECRETS, 'Wr0ng-pa55word'],
      );
    } finally {
      await app?.close();
    }
  }, 30_000);
});
