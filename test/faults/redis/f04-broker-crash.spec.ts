// F04: a Redis killed with -9 and restarted on its append-only file (fsync always) loses no
// acknowledged send; consumers and producers carry on by themselves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { until } from '../../support/bus-app.js';
import { RedisServer, redisServerInstalled } from '../../integration/redis/support/redis-server.js';
import { openLoop } from '../support/open-loop.js';
import { useFaultRun } from '../support/fault-run.js';

const installed = await redisServerInstalled();
const MESSAGES = 2_000;
const OUTAGE_MS = 2_000;

describe.skipIf(!installed)('F04 redis: broker kill -9 and restart (appendfsync always)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({ persistence: 'always' });
  });
  afterAll(() => server?.dispose());
  const fault = useFaultRun('F04', 'redis');

  it('handles every acknowledged send; sends in the outage wait or fail typed', async () => {
    const { ledger, children, apps, child } = fault();
    const prefix = 'f04';
    const worker = (name: string) =>
      children.start(child(name, { url: server.url, namespace: prefix, serviceName: 'workers', concurrency: 50, visibilityTimeoutMs: 2_000 }));
    await worker('a');
    await worker('b');
    const sender = await apps.start({ transport: new RedisTransport({ url: server.url, prefix }), options: { serviceName: 'sender' } });

    const crash = async () => {
      await server.stop('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      const restartedAt = Date.now();
      await server.resume();
      return restartedAt;
    };
    const restartedAt = await openLoop(ledger, { count: MESSAGES, perSecond: 500, fault: { at: 0.4, inject: crash } }, (id) =>
      sender.bus.send('fault.work', { id }),
    );
    await until(() => ledger.allAcknowledgedHandled(), 60_000, 'every acknowledged send handled');
    const recoverMs = ledger.firstHandledAfter(restartedAt);
    const figures = ledger.figures({ recoverMs, notes: `kill -9, restarted after ${OUTAGE_MS} ms, at 40% of an open loop at 500/s` });

    expect(figures).toMatchObject({ sent: MESSAGES, lost: 0, unexpected: 0, untypedRejections: 0 });
    expect(figures.acknowledged + figures.typedRejections).toBe(MESSAGES);
    expect(recoverMs).toBeLessThan(5_000);
  });
});
