// F05: Redis restarts without persistence (the dev default), so it forgets every stream, group
// and binding. What was stored is gone, as documented; the bus must come back by itself: groups
// and bindings made again, one warning per instance saying so, no loop of NOGROUP errors, health
// down during the outage and up after it, and a new send handled within 5 s of the restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageBusHealthIndicator, MessageBusHealthModule } from 'nestjs-message-bus/health';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { until } from '../../support/bus-app.js';
import { RedisServer, redisServerInstalled } from '../../integration/redis/support/redis-server.js';
import { useFaultRun } from '../support/fault-run.js';

const installed = await redisServerInstalled();
const PORT = 16_405;
const BEFORE = 50;
const OUTAGE_MS = 1_000;

describe.skipIf(!installed)('F05 redis: restart without persistence', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({ persistence: 'none', port: PORT });
  });
  afterAll(() => server?.dispose());
  const fault = useFaultRun('F05', 'redis');

  it('recreates groups and bindings, warns once, and handles new sends within 5 s', async () => {
    const { ledger, children, apps, child } = fault();
    const prefix = 'f05';
    const workers = await Promise.all(
      ['a', 'b'].map((name) => children.start(child(name, { url: server.url, namespace: prefix, serviceName: 'workers', concurrency: 20, visibilityTimeoutMs: 2_000 }))),
    );
    const sender = await apps.start({
      transport: new RedisTransport({ url: server.url, prefix }),
      imports: [MessageBusHealthModule],
      options: { serviceName: 'sender' },
    });
    const health = () => sender.get(MessageBusHealthIndicator).isHealthy('bus');
    const send = () => {
      const id = ledger.newId();
      return ledger.send(id, () => sender.bus.send('fault.work', { id })).then(() => id);
    };
    for (let n = 0; n < BEFORE; n++) await send();
    await until(() => ledger.allAcknowledgedHandled(), 10_000, 'the messages before the restart');
    expect((await health()).bus.status).toBe('up');

    await server.stop('SIGKILL');
    const healthDuring = (await health()).bus.status;
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await server.resume();
    const restartedAt = Date.now();
    // New sends, one every 100 ms, until one resolves and is handled.
    let firstHandled: string | undefined;
    while (firstHandled === undefined && Date.now() - restartedAt < 10_000) {
      const id = await send();
      if (ledger.acknowledged.has(id)) {
        await until(() => ledger.handledIds().has(id), 5_000, 'a send after the restart handled').catch(() => undefined);
        if (ledger.handledIds().has(id)) firstHandled = id;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const recoverMs = Date.now() - restartedAt;
    await until(async () => (await health()).bus.status === 'up', 5_000, 'health up again').catch(() => undefined);
    const healthAfter = (await health()).bus.status;
    for (let n = 0; n < BEFORE; n++) await send();
    await until(() => ledger.allAcknowledgedHandled(), 10_000, 'every send after the restart handled');
    // Some seconds of steady state after the restart, for any error loop to show.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const observedMs = Date.now() - restartedAt;

    const logs = [...workers.map((worker) => worker.logs), ...sender.logger.lines].join('\n').split('\n');
    const noGroup = logs.filter((line) => line.includes('NOGROUP')).length;
    const stateLost = logs.filter((line) => /no longer holds this instance's state/.test(line));
    const figures = ledger.figures({
      recoverMs,
      notes: `killed, restarted empty after ${OUTAGE_MS} ms; health ${healthDuring} during, ${healthAfter} after; ${stateLost.length} state-lost warnings, ${noGroup} NOGROUP lines in ${observedMs} ms`,
    });

    // Lost by design: nothing stored survives a restart without persistence. Here everything sent
    // before it was handled first, so every acknowledged send still counts.
    expect(figures).toMatchObject({ lost: 0, unexpected: 0, untypedRejections: 0 });
    expect(firstHandled).toBeDefined();
    expect(recoverMs).toBeLessThan(5_000);
    expect(healthDuring).toBe('down');
    expect(healthAfter).toBe('up');
    // One warning per instance (two workers, one sender), no NOGROUP loop.
    expect(stateLost).toHaveLength(3);
    expect(noGroup / (observedMs / 1_000)).toBeLessThan(5);
  });
});
