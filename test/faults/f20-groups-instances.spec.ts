// F20: two groups of two instances each (each its own bus and broker connections; in this process,
// as four extra Node processes do not boot in time on a loaded 2-core machine): every event
// reaches both groups (fan-out), each group's instances share its work (competing consumers), and
// a failure in one group is retried in that group only, never redelivered to the other.
import { afterAll, describe, expect, it } from 'vitest';
import { brokerAvailable } from '../support/brokers.js';
import { until } from '../support/bus-app.js';
import { faultBrokers } from './support/fault-brokers.js';
import { useFaultRun } from './support/fault-run.js';

const EVENTS = 1_000;
const FAILING_EVERY = 10;

for (const broker of faultBrokers('f20')) {
  const available = await brokerAvailable(broker.name, broker.url);
  describe.skipIf(!available)(`F20 ${broker.name}: 2 groups × 2 instances`, () => {
    broker.setup();
    afterAll(() => broker.cleanup());
    const fault = useFaultRun('F20', broker.name);

    it(`fans ${EVENTS} events out to both groups, shares each group's work, retries only in the failing group`, async () => {
      const { ledger, apps, handlers } = fault();
      const namespace = broker.namespace();
      const groups = ['alpha', 'beta'];
      const instances: Record<string, string[]> = {};
      for (const group of groups) {
        instances[group] = [`${group}-1`, `${group}-2`];
        for (const name of instances[group]) {
          await apps.start({
            transport: broker.transport(namespace, undefined, { prefetch: 20 }),
            providers: handlers(name, group, group !== 'alpha'),
            options: { serviceName: group, concurrency: 20 },
          });
        }
      }
      const sender = await apps.start({ transport: broker.transport(namespace), options: { serviceName: 'sender' } });
      const failing = new Set<string>();
      for (let sent = 0; sent < EVENTS; sent += 100) {
        await Promise.all(
          Array.from({ length: 100 }, () => ledger.newId()).map((id, n) => {
            if (n % FAILING_EVERY === 0) failing.add(id);
            return ledger.send(id, () => sender.bus.publish('fault.event', { id, ...(failing.has(id) ? { failFirstIn: 'alpha' } : {}) }));
          }),
        );
      }
      const alpha = ledger.ofService('alpha');
      const beta = ledger.ofService('beta');
      await until(() => alpha.allAcknowledgedHandled() && beta.allAcknowledgedHandled(), 60_000, 'every event handled in both groups');

      const shares = (group: string, view: typeof alpha) =>
        instances[group].map((name) => view.handledLines().filter((line) => line.instance === name).length / view.handledLines().length);
      const share = { alpha: shares('alpha', alpha), beta: shares('beta', beta) };
      const retried = alpha.handledLines().filter((line) => line.attempt > 1);
      const alphaFigures = alpha.figures({ notes: `${failing.size} fail their first attempt here; ${retried.length} retries; instance shares ${share.alpha.map((part) => part.toFixed(2)).join('/')}` });
      const betaFigures = beta.figures({ notes: `instance shares ${share.beta.map((part) => part.toFixed(2)).join('/')}` });

      for (const figures of [alphaFigures, betaFigures]) {
        expect(figures).toMatchObject({ sent: EVENTS, acknowledged: EVENTS, handled: EVENTS, lost: 0, unexpected: 0, untypedRejections: 0 });
      }
      // beta never sees alpha's retries: each event exactly once, at attempt 1.
      expect(betaFigures.duplicates).toBe(0);
      expect(beta.lines().every((line) => line.attempt === 1)).toBe(true);
      // alpha's extra runs are its retried ids only, each retried once.
      expect(new Set(retried.map((line) => line.id))).toEqual(failing);
      expect(alphaFigures.duplicates).toBe(0);
      for (const part of [...share.alpha, ...share.beta]) {
        expect(part).toBeGreaterThanOrEqual(0.3);
        expect(part).toBeLessThanOrEqual(0.7);
      }
    });
  });
}
