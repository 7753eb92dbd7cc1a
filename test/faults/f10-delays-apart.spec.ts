// F10: retries with different delays do not wait for one another: a retry due in 1 s comes
// after 1 s even while retries due in 8 s were scheduled before it (RabbitMQ expires messages
// only at a queue's head, so one delay queue for all delays would hold the short one back).
import { afterAll, describe, expect, it } from 'vitest';
import { brokerAvailable } from '../support/brokers.js';
import { until } from '../support/bus-app.js';
import { faultBrokers } from './support/fault-brokers.js';
import { useFaultRun } from './support/fault-run.js';

// The first retry after 1 s, the second after 8 s.
const RETRY = { maxAttempts: 3, initialDelayMs: 1_000, factor: 8 };
const LONG = 5;
const SHORT = 5;

for (const broker of faultBrokers('f10')) {
  const available = await brokerAvailable(broker.name, broker.url);
  describe.skipIf(!available)(`F10 ${broker.name}: retries with different delays`, () => {
    broker.setup();
    const fault = useFaultRun('F10', broker.name);
    afterAll(() => broker.cleanup());

    it('redelivers a 1 s retry after 1.0–1.5 s while 8 s retries scheduled before it wait', async () => {
      const { ledger, children, apps, child } = fault();
      const namespace = broker.namespace();
      await children.start(child('worker', { url: broker.url, namespace, serviceName: 'workers', concurrency: 50, retry: RETRY }));
      const sender = await apps.start({ transport: broker.transport(namespace), options: { serviceName: 'sender' } });
      const attemptAt = (id: string, attempt: number) => ledger.lines().find((line) => line.id === id && line.attempt === attempt)?.at;

      // X: fails twice, so its second retry waits 8 s.
      const long = Array.from({ length: LONG }, () => ledger.newId());
      await Promise.all(long.map((id) => ledger.send(id, () => sender.bus.send('fault.work', { id, failAttempts: 2 }))));
      await until(() => long.every((id) => attemptAt(id, 2) !== undefined), 10_000, 'the long retries scheduled');
      // Y: fails once, so its retry waits 1 s, behind the 8 s ones.
      const short = Array.from({ length: SHORT }, () => ledger.newId());
      await Promise.all(short.map((id) => ledger.send(id, () => sender.bus.send('fault.work', { id, failAttempts: 1 }))));
      await until(() => short.every((id) => ledger.handledIds().has(id)), 10_000, 'the short retries handled');
      await until(() => ledger.allAcknowledgedHandled(), 15_000, 'the long retries handled');

      const shortGaps = short.map((id) => (attemptAt(id, 2) as number) - (attemptAt(id, 1) as number));
      const longGaps = long.map((id) => (attemptAt(id, 3) as number) - (attemptAt(id, 2) as number));
      const figures = ledger.figures({
        recoverMs: Math.max(...shortGaps),
        notes: `1 s retries after ${Math.min(...shortGaps)}–${Math.max(...shortGaps)} ms, 8 s retries scheduled before them after ${Math.min(...longGaps)}–${Math.max(...longGaps)} ms`,
      });

      expect(figures).toMatchObject({ sent: LONG + SHORT, handled: LONG + SHORT, lost: 0, unexpected: 0, duplicates: 0 });
      for (const gap of shortGaps) expect(gap).toBeGreaterThanOrEqual(1_000);
      for (const gap of shortGaps) expect(gap).toBeLessThanOrEqual(1_500);
      for (const gap of longGaps) expect(gap).toBeGreaterThanOrEqual(8_000);
      // Every short retry ran before any long one.
      expect(Math.max(...short.map((id) => attemptAt(id, 2) as number))).toBeLessThan(Math.min(...long.map((id) => attemptAt(id, 3) as number)));
    });
  });
}
