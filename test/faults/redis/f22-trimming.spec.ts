// F22: trimming never drops an entry still pending or undelivered: an entry held by a consumer
// killed with -9 while thousands after it are acked and trimmed is still there to be taken over.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { RedisNamespaces } from '../../integration/redis/support/redis-namespaces.js';
import type { FaultChild } from '../support/fault-children.js';
import { useFaultRun } from '../support/fault-run.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const MESSAGES = 3_000;
// Redis keeps a stream in nodes of up to 100 entries and approximate trimming drops whole nodes.
const TRIMMED = 200;

describe.skipIf(!available)('F22 redis: trimming with a pending entry of a dead consumer', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  const fault = useFaultRun('F22', 'redis');
  afterAll(() => namespaces.cleanup());

  it('keeps the pending entry through the trims, then trims the drained stream', async () => {
    const { ledger, children, apps, child } = fault();
    const prefix = namespaces.next();
    const stream = `{${prefix}}:q:workers:5`;
    const workers: FaultChild[] = [];
    for (const name of ['a', 'b']) {
      workers.push(await children.start(child(name, { url: REDIS_URL, namespace: prefix, serviceName: 'workers', concurrency: 20, visibilityTimeoutMs: 2_000 })));
    }
    const sender = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), options: { serviceName: 'sender' } });
    const redis = new Redis(REDIS_URL);
    try {
      const held = ledger.newId();
      await ledger.send(held, () => sender.bus.send('fault.work', { id: held, sleepMs: 4_000 }));
      await until(() => ledger.lines().some((line) => line.id === held), 5_000, 'the held message in a handler');
      const holder = workers.find((worker) => worker.pid === ledger.lines().find((line) => line.id === held)?.pid) as FaultChild;
      const killedAt = Date.now();
      await holder.kill();
      // Thousands acked after the held entry while it is pending: every trim meets it.
      for (let sent = 0; sent < MESSAGES; sent += 100) {
        await Promise.all(Array.from({ length: 100 }, () => ledger.newId()).map((id) => ledger.send(id, () => sender.bus.send('fault.work', { id }))));
      }
      await until(() => ledger.handledIds().size >= MESSAGES, 30_000, 'the others handled');
      const lengthWhileHeld = ledger.handledIds().has(held) ? undefined : await redis.xlen(stream);
      await until(() => ledger.handledIds().has(held), 20_000, 'the held entry taken over and handled');
      const recoverMs = Date.now() - killedAt;
      await until(async () => (await redis.xlen(stream)) < TRIMMED, 10_000, 'the drained stream trimmed');
      const figures = ledger.figures({
        recoverMs,
        notes: `XLEN ${lengthWhileHeld ?? 'not measured'} with ${MESSAGES} acked after the pending entry; ${await redis.xlen(stream)} after the drain`,
      });

      expect(figures).toMatchObject({ sent: MESSAGES + 1, acknowledged: MESSAGES + 1, handled: MESSAGES + 1, lost: 0, unexpected: 0 });
      if (lengthWhileHeld !== undefined) expect(lengthWhileHeld).toBeGreaterThan(MESSAGES);
      expect(((await redis.xpending(stream, 'workers')) as [number])[0]).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
