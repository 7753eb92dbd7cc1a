import { describe, expect, it } from 'vitest';
import { TransportError } from 'nestjs-message-bus';
import { MessageBusHealthIndicator, MessageBusHealthModule } from 'nestjs-message-bus/health';
import * as entry from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { bootstrapFailure, until } from '../../support/bus-app.js';
import { expectNoSecret, liveObjects } from '../../support/credential-walk.js';
import { FAIL_PAYLOAD, HOSTILE_TOPIC, HostileTarget } from '../../support/hostile-frames.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { useAmqpFixture } from './support/amqp-fixture.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);
const PASSWORD = 'Walk-pa55word';
const PASSPHRASE = 'Tls-pa55phrase';
const WRONG = 'Wr0ng-pa55word';
// The shared broker knows only guest/guest: its user name equals its password, so the masked URL
// (user shown, password not) is the one place "guest" may appear.
const BROKER_PASSWORD = new URL(AMQP_URL).password;
const MASKED_USER = `${new URL(AMQP_URL).username}:***@`;

describe.runIf(available)('RabbitMQ: no public object shows a credential', () => {
  const fixture = useAmqpFixture('credential-walk');

  /** What each export of `nestjs-message-bus/amqp` makes, constructed with credentials; a new export must be added here. */
  const exported = {
    AmqpTransport: () => {
      const transport = new entry.AmqpTransport({ url: `amqp://walker:${PASSWORD}@broker.example:5672/vhost`, socket: { passphrase: PASSPHRASE } });
      return { transport, server: transport.server };
    },
    AmqpTransportError: () => ({ error: new entry.AmqpTransportError('refused', 403) }),
  } satisfies Record<keyof typeof entry, () => Record<string, unknown>>;

  it('walks every export of nestjs-message-bus/amqp', () => {
    expect(Object.keys(exported).sort()).toEqual(Object.keys(entry).sort());
    const { transport, server } = exported.AmqpTransport();
    expectNoSecret({ transport, server }, [PASSWORD, PASSPHRASE]);
  });

  it('a running bus, its connection, stores, consumer, letters, health and metrics; errors of a refused and of a lost connection', async () => {
    const { exchange, plain } = fixture;
    const proxy = await TcpProxy.start(AMQP_URL);
    try {
      const transport = new entry.AmqpTransport({ url: proxy.url(AMQP_URL), exchange, publishTimeoutMs: 1000, socket: { passphrase: PASSPHRASE } });
      const app = await fixture.apps.start({ transport, providers: [HostileTarget], imports: [MessageBusHealthModule], options: { serviceName: 'walk' } });
      await app.bus.publish(HOSTILE_TOPIC, JSON.parse(FAIL_PAYLOAD), { maxAttempts: 1 });
      await plain.publish(exchange, HOSTILE_TOPIC, Buffer.from('{'));
      await until(async () => (await app.bus.deadLetters.count()) === 2, 10_000, 'two dead letters');
      const live = await liveObjects(app);

      // An outage: what fails while RabbitMQ is out of reach, and what the health check says.
      await proxy.cut();
      const [publish, count, health] = await Promise.all([
        app.bus.publish('walk.lost', {}).catch((error: unknown) => error),
        app.bus.deadLetters.count().catch((error: unknown) => error),
        app.get(MessageBusHealthIndicator).isHealthy('bus'),
      ]);
      await proxy.restore();
      expect(publish).toBeInstanceOf(TransportError);
      expect(health.bus.status).toBe('down');

      const refused = await bootstrapFailure({ transport: new entry.AmqpTransport({ url: AMQP_URL.replace(`:${BROKER_PASSWORD}@`, `:${WRONG}@`), exchange }) });
      const unreachable = await bootstrapFailure({ transport: new entry.AmqpTransport({ url: `amqp://walker:${PASSWORD}@127.0.0.1:1`, exchange }) });
      expect(refused.error).toBeInstanceOf(TransportError);
      expect(unreachable.error).toBeInstanceOf(TransportError);
      expectNoSecret(
        {
          ...live,
          publish,
          count,
          health,
          refused: refused.error,
          unreachable: unreachable.error,
          logs: [...app.logger.lines, ...refused.logger.lines, ...unreachable.logger.lines].join('\n'),
        },
        [BROKER_PASSWORD, PASSWORD, PASSPHRASE, WRONG],
        [MASKED_USER],
      );
    } finally {
      await fixture.apps.closeAll();
      await proxy.cut();
    }
  }, 30_000);
});
