// F03: a slow handler whose process is alive keeps its message: its consumer renews the hold,
// so the other consumer never takes it over, however far past visibilityTimeoutMs it runs.
// Negative control: a handler that blocks the event loop cannot renew, so its message is taken
// over and runs twice (counted, attempt 2 on the copy), and the late ack of the original is harmless.
import { afterAll, describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { RedisNamespaces } from '../../integration/redis/support/redis-namespaces.js';
import type { FaultChild } from '../support/fault-children.js';
import { useFaultRun } from '../support/fault-run.js';
import type { FaultWork } from '../support/fault-protocol.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const VISIBILITY_MS = 1_000;
const SLOW = 20;
const SLOW_MS = 4_000;
const STALLED = 2;
const BUSY_MS = 3_000;

describe.skipIf(!available)('F03 redis: a slow handler past the visibility timeout', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  const fault = useFaultRun('F03', 'redis');
  afterAll(() => namespaces.cleanup());

  const start = async (run: ReturnType<typeof fault>, concurrency: number) => {
    const prefix = namespaces.next();
    const workers: FaultChild[] = await Promise.all(
      ['a', 'b'].map((name) =>
        run.children.start(run.child(name, { url: REDIS_URL, namespace: prefix, serviceName: 'workers', concurrency, prefetch: concurrency, visibilityTimeoutMs: VISIBILITY_MS })),
      ),
    );
    const sender = await run.apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), options: { serviceName: 'sender' } });
    return { workers, send: (work: FaultWork) => run.ledger.send(work.id, () => sender.bus.send('fault.work', work)) };
  };

  it(`keeps ${SLOW} handlers of ${SLOW_MS} ms each with their consumer (visibilityTimeoutMs ${VISIBILITY_MS})`, async () => {
    const run = fault();
    const { ledger } = run;
    const { send } = await start(run, SLOW);
    const began = Date.now();
    await Promise.all(Array.from({ length: SLOW }, () => send({ id: ledger.newId(), sleepMs: SLOW_MS })));
    await until(() => ledger.allAcknowledgedHandled(), 20_000, 'every slow message handled');
    const deliveries = ledger.lines().filter((line) => !line.done);
    const figures = ledger.figures({
      recoverMs: Date.now() - began,
      notes: `${SLOW} handlers of ${SLOW_MS} ms, visibilityTimeoutMs ${VISIBILITY_MS}, 2 consumers; ${deliveries.length} deliveries`,
    });

    expect(figures).toMatchObject({ sent: SLOW, acknowledged: SLOW, handled: SLOW, lost: 0, unexpected: 0, duplicates: 0 });
    // No take-over: one delivery per message, each the first attempt.
    expect(deliveries).toHaveLength(SLOW);
    expect(deliveries.every((line) => line.attempt === 1)).toBe(true);
  });

  it(`negative control: a handler blocking the event loop ${BUSY_MS} ms is taken over, the copy counted with attempt 2`, async () => {
    const run = fault();
    const { ledger } = run;
    const { workers, send } = await start(run, 1);
    // One at a time, so that the consumer that did not get it is idle and takes it over.
    for (let n = 0; n < STALLED; n++) {
      const id = ledger.newId();
      await send({ id, busyMs: BUSY_MS });
      await until(() => ledger.handledLines().filter((line) => line.id === id).length >= 2, 15_000, `${id} handled by both consumers`);
    }
    const figures = ledger.figures({ notes: `${STALLED} handlers blocking the event loop ${BUSY_MS} ms, visibilityTimeoutMs ${VISIBILITY_MS}` });

    expect(figures).toMatchObject({ sent: STALLED, handled: STALLED, lost: 0, unexpected: 0, duplicates: STALLED });
    for (const id of ledger.attempted) {
      const lines = ledger.handledLines().filter((line) => line.id === id);
      // The original on one consumer, the copy on the other, counted as the second delivery.
      expect(lines.map((line) => line.attempt).sort()).toEqual([1, 2]);
      expect(new Set(lines.map((line) => line.pid)).size).toBe(2);
    }
    // The stalled original's late ack (of an entry the other consumer took over) broke nothing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const worker of workers) {
      expect(worker.running).toBe(true);
      expect(worker.logs).not.toMatch(/could not acknowledge|ERROR/i);
    }
  });
});
