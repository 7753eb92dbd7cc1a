// F14: a command nobody handles is an error for its sender; an event nobody hears is fine and
// counted; a group stopping while sends are in flight loses none of them (its binding and its
// queue or streams outlive it), and the group's next instance handles them all.
import { afterAll, describe, expect, it } from 'vitest';
import { brokerAvailable } from '../support/brokers.js';
import { NoHandlerError } from 'nestjs-message-bus';
import { until } from '../support/bus-app.js';
import { faultBrokers } from './support/fault-brokers.js';
import { useFaultRun } from './support/fault-run.js';

const SENDS = 600;
const PER_SECOND = 1_500;

for (const broker of faultBrokers('f14')) {
  const available = await brokerAvailable(broker.name, broker.url);
  describe.skipIf(!available)(`F14 ${broker.name}: unroutable commands and a group stopping during sends`, () => {
    broker.setup();
    afterAll(() => broker.cleanup());
    const fault = useFaultRun('F14', broker.name);

    it('rejects an unbound command NO_HANDLER at once, counts an unheard event, loses nothing while the group stops', async () => {
      const { ledger, apps, handlers } = fault();
      const namespace = broker.namespace();
      const worker = await apps.start({ transport: broker.transport(namespace), providers: handlers('worker-1', 'workers'), options: { serviceName: 'workers' } });
      const sender = await apps.start({ transport: broker.transport(namespace), options: { serviceName: 'sender' } });

      let began = Date.now();
      const unbound = await sender.bus.send('fault.nobody', { id: 'unbound' }).catch((error: unknown) => error);
      const noHandlerMs = Date.now() - began;
      const unroutedBefore = sender.bus.getStats().unrouted;
      await sender.bus.publish('fault.unheard', { id: 'unheard' });
      const unrouted = sender.bus.getStats().unrouted - unroutedBefore;

      // The group's only instance closes a third of the way through an open loop of sends.
      const sends: Promise<void>[] = [];
      let stopped: Promise<void> = Promise.resolve();
      began = Date.now();
      for (let n = 1; n <= SENDS; n++) {
        const due = began + (n * 1000) / PER_SECOND;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        const id = ledger.newId();
        sends.push(ledger.send(id, () => sender.bus.send('fault.work', { id })));
        if (n === SENDS / 3) stopped = worker.close();
      }
      await Promise.all([...sends, stopped]);
      const handledWhileUp = ledger.handledIds().size;
      const restartedAt = Date.now();
      await apps.start({ transport: broker.transport(namespace), providers: handlers('worker-2', 'workers'), options: { serviceName: 'workers' } });
      await until(() => ledger.allAcknowledgedHandled(), 30_000, 'every acknowledged send handled by the next instance');
      const figures = ledger.figures({
        recoverMs: Date.now() - restartedAt,
        notes: `NO_HANDLER after ${noHandlerMs} ms; unrouted +${unrouted}; group stopped after ${SENDS / 3} of ${SENDS} sends at ${PER_SECOND}/s, ${handledWhileUp} handled before, the rest by the next instance`,
      });

      expect(unbound).toBeInstanceOf(NoHandlerError);
      expect(noHandlerMs).toBeLessThan(200);
      expect(unrouted).toBe(1);
      expect(figures).toMatchObject({ sent: SENDS, acknowledged: SENDS, lost: 0, unexpected: 0, untypedRejections: 0 });
    });
  });
}
