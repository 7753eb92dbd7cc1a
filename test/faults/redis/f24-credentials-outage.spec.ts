// F24: during a broker outage with a password in the URL, nothing the bus logs, throws or reports
// (log lines, send errors, health details, metrics) shows the password; nothing acknowledged is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusMetrics } from 'nestjs-message-bus';
import { MessageBusHealthIndicator, MessageBusHealthModule } from 'nestjs-message-bus/health';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { until } from '../../support/bus-app.js';
import { expectNoSecret } from '../../support/credential-walk.js';
import { RedisServer, redisServerInstalled } from '../../integration/redis/support/redis-server.js';
import { openLoop } from '../support/open-loop.js';
import { useFaultRun } from '../support/fault-run.js';

const installed = await redisServerInstalled();
const PASSWORD = 'Outage-pa55word';
const MESSAGES = 1_000;
const OUTAGE_MS = 3_000;

describe.skipIf(!installed)('F24 redis: credentials during an outage', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({ password: PASSWORD, persistence: 'always' });
  });
  afterAll(() => server?.dispose());
  const fault = useFaultRun('F24', 'redis');

  it('shows the password nowhere while Redis is down, and loses nothing acknowledged', async () => {
    const { ledger, children, apps, child } = fault();
    const prefix = 'f24';
    await children.start(child('worker', { url: server.url, namespace: prefix, serviceName: 'workers', concurrency: 50 }));
    const sender = await apps.start({
      transport: new RedisTransport({ url: server.url, prefix }),
      imports: [MessageBusHealthModule],
      options: { serviceName: 'sender' },
    });
    const seen: Record<string, unknown> = {};
    const outage = async () => {
      await server.stop('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
      seen.health = await sender.get(MessageBusHealthIndicator).isHealthy('bus');
      // The dead-letter gauge needs Redis: the scrape fails typed, and its error is walked too.
      seen.metrics = await sender.get(BusMetrics).metrics().catch((error: unknown) => error);
      seen.stats = sender.bus.getStats();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
      const restartedAt = Date.now();
      await server.resume();
      return restartedAt;
    };
    const restartedAt = await openLoop(ledger, { count: MESSAGES, perSecond: 250, fault: { at: 0.3, inject: outage } }, (id) =>
      sender.bus.send('fault.work', { id }),
    );
    // After the restart, sends go through again.
    await openLoop(ledger, { count: 50, perSecond: 250 }, (id) => sender.bus.send('fault.work', { id }));
    await until(() => ledger.allAcknowledgedHandled(), 60_000, 'every acknowledged send handled');
    const figures = ledger.figures({ recoverMs: ledger.firstHandledAfter(restartedAt), notes: `kill -9 for ${OUTAGE_MS} ms, password URL; ${sender.logger.lines.length} log lines checked` });

    expect(figures.acknowledged).toBeGreaterThanOrEqual(50);
    expectNoSecret({ ...seen, errors: [...ledger.rejected.values()], logs: sender.logger.lines, child: children }, [PASSWORD]);
    expect(figures).toMatchObject({ sent: MESSAGES + 50, lost: 0, unexpected: 0, untypedRejections: 0 });
  });
});
