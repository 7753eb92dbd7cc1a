import type { PeerId } from '../peers/peers.js';
import type { EventWorkload } from '../peers/peer.js';
import { collectGarbage, cpuMeter, repeatFor, settle } from '../measure.js';
import { withHarness, type Scenario } from './scenario.js';

export interface EventsScenarioOptions extends EventWorkload {
  id: string;
  /** Events published back to back before waiting for all of them to be handled. */
  window: number;
  peers: readonly PeerId[];
}

/**
 * Publish -> handled throughput in bursts: publish `window` events without awaiting, wait until
 * every handler has seen all of them, repeat. Reports events (not handler calls) per second and
 * wall-clock ns per event.
 */
export function eventsScenario(options: EventsScenarioOptions): Scenario {
  const { id, window, handlers, noise, topics, peers } = options;
  return {
    id,
    peers,
    description:
      `publish ${window} events (${topics} topic) back to back, await until ${handlers} handler(s) ` +
      `handled all, repeat; ${noise} other handler registrations that never match`,
    run: (peer, budget) =>
      withHarness(peer.events?.bind(peer, { handlers, noise, topics }), 'events', async ({ publish, probe }) => {
        let seq = 0;
        const burst = async (): Promise<void> => {
          const handled = probe.expect(window * handlers);
          for (let i = 0; i < window; i++) publish(seq++);
          await handled;
        };
        await repeatFor(budget.warmupMs, burst);
        collectGarbage();
        const first = seq;
        const cpu = cpuMeter();
        const elapsedNs = await repeatFor(budget.measureMs, burst);
        const cpuShare = cpu.share(elapsedNs);
        const events = seq - first;
        await settle();
        if (probe.handled !== seq * handlers || probe.strays !== 0) {
          throw new Error(`expected ${seq * handlers} handler calls and no strays, saw ${probe.handled} and ${probe.strays}`);
        }
        return { eventsPerSecond: events / (elapsedNs / 1e9), nsPerEvent: elapsedNs / events, events, cpuShare };
      }),
  };
}
