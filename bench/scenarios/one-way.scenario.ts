import type { PeerId } from '../peers/peers.js';
import type { EventDriver, EventWorkload, Harness, Peer, SendWorkload } from '../peers/peer.js';
import { collectGarbage, cpuMeter, repeatFor, settle } from '../measure.js';
import type { Budget } from '../protocol.js';
import { withHarness, type Scenario } from './scenario.js';

/** Events with their handlers, or commands sent one way to one handler. */
export type OneWayMessages = { kind: 'events'; workload: EventWorkload } | { kind: 'sends'; workload: SendWorkload };

export interface OneWayScenarioOptions {
  id: string;
  peers: readonly PeerId[];
  messages: OneWayMessages;
  /** Messages published back to back before waiting for all of them to be handled. */
  window: number;
  /**
   * Also await what each publish returned (a broker's confirm) before the next burst. In memory
   * the promise only says the event was queued, and cqrs returns none: not awaited there.
   */
  confirmed: boolean;
  /** On a broker the process waits for I/O: its CPU share says nothing about preemption. */
  cpuBound: boolean;
  budgetScale?: number;
  /** Messages published (in bursts) before the timed warm-up: to measure a state reached only after that many. */
  prefill?: number;
}

function boot(peer: Peer, messages: OneWayMessages): (() => Promise<Harness<EventDriver>>) | undefined {
  if (messages.kind === 'events') return peer.events?.bind(peer, messages.workload);
  return peer.sends?.bind(peer, messages.workload);
}

function describe({ messages, window, confirmed, prefill }: OneWayScenarioOptions): string {
  const what =
    messages.kind === 'events'
      ? `${window} events (${messages.workload.topics} topic, ${messages.workload.variant} handler) back to back, await until ` +
        `${messages.workload.handlers} handler(s) handled all; ${messages.workload.noise} other handler registrations that never match`
      : `${window} one-way commands (send${messages.workload.idempotent ? ', idempotent handler' : ''}) back to back, await until handled`;
  const first = prefill ? `after ${prefill.toLocaleString('en-US')} messages, ` : '';
  return `${first}publish ${what}${confirmed ? ', and every publish confirmed' : ''}; repeat`;
}

/**
 * Publish -> handled throughput in bursts: publish `window` messages without awaiting, wait until
 * every handler has seen all of them (and, if `confirmed`, every publish resolved), repeat.
 * Reports messages (not handler calls) per second and wall-clock ns per message.
 */
export function oneWayScenario(options: OneWayScenarioOptions): Scenario {
  const { id, peers, messages, window, confirmed, cpuBound, budgetScale, prefill = 0 } = options;
  const callsPerMessage = messages.kind === 'events' ? messages.workload.handlers : 1;
  return {
    id,
    peers,
    cpuBound,
    budgetScale,
    description: describe(options),
    run: (peer: Peer, budget: Budget) =>
      withHarness(boot(peer, messages), messages.kind, async ({ publish, probe }) => {
        let seq = 0;
        const burst = async (): Promise<void> => {
          const handled = probe.expect(window * callsPerMessage);
          if (!confirmed) {
            for (let i = 0; i < window; i++) publish(seq++);
            await handled;
            return;
          }
          const accepted: unknown[] = [handled];
          for (let i = 0; i < window; i++) accepted.push(publish(seq++));
          await Promise.all(accepted);
        };
        while (seq < prefill) await burst();
        await repeatFor(budget.warmupMs, burst);
        collectGarbage();
        const first = seq;
        const cpu = cpuMeter();
        const elapsedNs = await repeatFor(budget.measureMs, burst);
        const cpuShare = cpu.share(elapsedNs);
        const count = seq - first;
        await settle();
        if (probe.handled !== seq * callsPerMessage || probe.strays !== 0) {
          throw new Error(`expected ${seq * callsPerMessage} handler calls and no strays, saw ${probe.handled} and ${probe.strays}`);
        }
        return { perSecond: count / (elapsedNs / 1e9), nsPerMessage: elapsedNs / count, messages: count, cpuShare };
      }),
  };
}
