// F01: un-acked work of a consumer killed with -9 mid-batch is taken over by the other one.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { RedisNamespaces } from '../../integration/redis/support/redis-namespaces.js';
import { useFaultRun } from '../support/fault-run.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const MESSAGES = 400;
const VISIBILITY_MS = 2_000;

describe.skipIf(!available)('F01 redis: consumer kill -9 mid-batch', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  const fault = useFaultRun('F01', 'redis');
  afterAll(() => namespaces.cleanup());

  it('hands every acknowledged send to the survivor, the killed one’s deliveries again with attempt 2', async () => {
    const { ledger, children, apps, child } = fault();
    const prefix = namespaces.next();
    const worker = (name: string) =>
      children.start(child(name, { url: REDIS_URL, namespace: prefix, serviceName: 'workers', concurrency: 100, visibilityTimeoutMs: VISIBILITY_MS }));
    const doomed = await worker('doomed');
    const survivor = await worker('survivor');
    const sender = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), options: { serviceName: 'sender' } });

    const sends = Array.from({ length: MESSAGES }, () => ledger.newId()).map((id) =>
      ledger.send(id, () => sender.bus.send('fault.work', { id, sleepMs: 1_500 })),
    );
    await until(() => ledger.lines().filter((line) => line.pid === doomed.pid).length >= 50, 20_000, 'the doomed consumer’s batch');
    const done = new Set(ledger.handledLines().map((line) => line.id));
    const held = ledger.lines().filter((line) => line.pid === doomed.pid && !done.has(line.id)).map((line) => line.id);
    const killedAt = Date.now();
    await doomed.kill();
    await Promise.all(sends);

    await until(() => [...ledger.acknowledged].every((id) => ledger.handledIds().has(id)), 60_000, 'every acknowledged send handled');
    const recoverMs = Date.now() - killedAt;
    const figures = ledger.figures({ recoverMs, notes: `${held.length} in flight on the killed consumer` });

    expect(figures).toMatchObject({ sent: MESSAGES, acknowledged: MESSAGES, lost: 0, unexpected: 0 });
    // Only what the killed consumer held can come twice, and each copy counts the delivery.
    const lines = ledger.handledLines();
    const again = lines.filter((line) => line.pid === survivor.pid && held.includes(line.id));
    expect(figures.duplicates).toBeLessThanOrEqual(held.length);
    expect(again.every((line) => line.attempt >= 2)).toBe(true);
    const redis = new Redis(REDIS_URL);
    try {
      await until(async () => ((await redis.xpending(`{${prefix}}:q:workers:5`, 'workers')) as [number])[0] === 0, 10_000, 'an empty pending list');
    } finally {
      redis.disconnect();
    }
  });
});
