// F11: a message that kills every consumer it reaches is dead-lettered after maxAttempts
// deliveries, counted across the process crashes, on both brokers; the others are all handled.
import { afterAll, describe, expect, it } from 'vitest';
import { brokerAvailable } from '../support/brokers.js';
import { until } from '../support/bus-app.js';
import { faultBrokers } from './support/fault-brokers.js';
import type { FaultChild } from './support/fault-children.js';
import { useFaultRun } from './support/fault-run.js';

const MAX_ATTEMPTS = 3;
const GOOD = 20;

for (const broker of faultBrokers('f11')) {
  const available = await brokerAvailable(broker.name, broker.url);
  describe.skipIf(!available)(`F11 ${broker.name}: a poison message that kills its consumer`, () => {
    broker.setup();
    const fault = useFaultRun('F11', broker.name);
    afterAll(() => broker.cleanup());

    it(`is dead-lettered after ${MAX_ATTEMPTS} deliveries across crashes; the others are handled`, async () => {
      const { ledger, children, apps, child } = fault();
      const namespace = broker.namespace();
      let starts = 0;
      const worker = () =>
        children.start(
          child(`worker-${++starts}`, {
            url: broker.url,
            namespace,
            serviceName: 'workers',
            concurrency: 1,
            prefetch: 1,
            visibilityTimeoutMs: 1_000,
            maxAttempts: MAX_ATTEMPTS,
          }),
        );
      let current: FaultChild = await worker();
      // Of the workers' service, so that its dead-letter store reads their letters (no handlers: it consumes nothing).
      const sender = await apps.start({ transport: broker.transport(namespace), options: { serviceName: 'workers' } });
      const poison = ledger.newId();
      await ledger.send(poison, () => sender.bus.send('fault.work', { id: poison, poison: true }));
      for (let n = 0; n < GOOD; n++) {
        const id = ledger.newId();
        await ledger.send(id, () => sender.bus.send('fault.work', { id }));
      }

      const began = Date.now();
      // Each crash brings a fresh process, as a supervisor would, until the poison is a dead letter.
      await until(
        async () => {
          if (!current.running) current = await worker();
          return (await sender.bus.deadLetters.count()) >= 1 && ledger.handledIds().size === GOOD;
        },
        60_000,
        'the poison dead-lettered and the rest handled',
      );
      const [letter] = await sender.bus.deadLetters.list();
      const crashes = starts - 1;
      const figures = ledger.figures({ deadLettered: [poison], recoverMs: Date.now() - began, notes: `poison delivered ${ledger.lines().filter((line) => line.id === poison).length} times, ${crashes} crashes` });

      expect(figures).toMatchObject({ sent: GOOD + 1, acknowledged: GOOD + 1, lost: 0, unexpected: 0, deadLettered: 1 });
      expect(letter).toMatchObject({ reason: 'ATTEMPTS_EXHAUSTED', group: 'workers', envelope: { payload: { id: poison } } });
      // Delivered exactly maxAttempts times, attempts 1..maxAttempts; every other message once.
      const poisonLines = ledger.lines().filter((line) => line.id === poison);
      expect(poisonLines.map((line) => line.attempt)).toEqual([1, 2, 3]);
      expect(crashes).toBe(MAX_ATTEMPTS);
      expect(figures.duplicates).toBe(0);
    });
  });
}
