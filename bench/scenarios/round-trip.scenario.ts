import type { PeerId } from '../peers/peers.js';
import type { EventWorkload, Peer, RoundTrip } from '../peers/peer.js';
import { collectGarbage, cpuMeter, now, quantile, repeatFor } from '../measure.js';
import type { Budget } from '../protocol.js';
import { withHarness, type Scenario } from './scenario.js';

type Kind = 'commands' | 'queries' | { events: EventWorkload };

/** A round trip of each kind; for events, publish -> handled (and the publish resolved). */
function boot(peer: Peer, kind: Kind) {
  if (typeof kind === 'object') {
    const events = peer.events?.bind(peer, kind.events);
    return events && (async () => {
      const { driver, close } = await events();
      const trip: RoundTrip = {
        call: (seq) => Promise.all([driver.probe.expect(1), driver.publish(seq)]),
        verify: () => true,
      };
      return { driver: trip, close };
    });
  }
  return (kind === 'commands' ? peer.commands : peer.queries)?.bind(peer);
}

function what(kind: Kind): string {
  if (typeof kind === 'object') return `event (${kind.events.variant} handler) publish→handled`;
  return kind === 'commands' ? 'command round trip' : 'query round trip';
}

// Checking the clock on every call would cost as much as a fast call itself.
const CLOCK_EVERY = 1024;

/** Keeps `inFlight` round trips going for `ms`; returns how many completed and the elapsed ns. */
async function saturate(trip: RoundTrip, inFlight: number, ms: number, from: number): Promise<{ calls: number; elapsedNs: number }> {
  const start = now();
  const end = start + BigInt(Math.round(ms * 1e6));
  let seq = from;
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const n = seq++;
      const result = await trip.call(n);
      if (!trip.verify(result, n)) throw new Error(`wrong answer to ${n}: ${JSON.stringify(result)}`);
      if (n % CLOCK_EVERY === 0 && now() >= end) stop = true;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { calls: seq - from, elapsedNs: Number(now() - start) };
}

interface RoundTripOptions {
  id: string;
  kind: Kind;
  peers: readonly PeerId[];
  cpuBound: boolean;
  budgetScale?: number;
}

/** Round trips per second with `inFlight` callers, each awaiting its answer before the next call. */
export function throughputScenario(options: RoundTripOptions & { inFlight: number }): Scenario {
  const { id, kind, inFlight, peers, cpuBound, budgetScale } = options;
  return {
    id,
    peers,
    cpuBound,
    budgetScale,
    description: `${inFlight} concurrent callers, each awaiting its ${kind === 'commands' ? 'command' : 'query'} result before sending the next; async handler returning the payload`,
    run: (peer: Peer, budget: Budget) =>
      withHarness(boot(peer, kind), typeof kind === 'object' ? 'events' : kind, async (trip) => {
        const warm = await saturate(trip, inFlight, budget.warmupMs, 0);
        collectGarbage();
        const cpu = cpuMeter();
        const { calls, elapsedNs } = await saturate(trip, inFlight, budget.measureMs, warm.calls);
        return { perSecond: calls / (elapsedNs / 1e9), calls, cpuShare: cpu.share(elapsedNs) };
      }),
  };
}

const MAX_SAMPLES = 2_000_000;

/** Sequential round trips, each timed on its own: p50, p99 and mean latency in µs. */
export function latencyScenario(options: RoundTripOptions): Scenario {
  const { id, kind, peers, cpuBound, budgetScale } = options;
  return {
    id,
    peers,
    cpuBound,
    budgetScale,
    description: `one caller awaiting each ${what(kind)} before the next, every call timed with hrtime; async handler returning the payload`,
    run: (peer: Peer, budget: Budget) =>
      withHarness(boot(peer, kind), typeof kind === 'object' ? 'events' : kind, async (trip) => {
        let seq = 0;
        await repeatFor(budget.warmupMs, async () => {
          const n = seq++;
          if (!trip.verify(await trip.call(n), n)) throw new Error(`wrong answer to ${n}`);
        });
        collectGarbage();
        const samples = new Float64Array(MAX_SAMPLES);
        let count = 0;
        const cpu = cpuMeter();
        const start = now();
        const end = start + BigInt(Math.round(budget.measureMs * 1e6));
        let finished = start;
        while (count < MAX_SAMPLES && finished < end) {
          const n = seq++;
          const sent = now();
          const result = await trip.call(n);
          finished = now();
          samples[count++] = Number(finished - sent);
          if (!trip.verify(result, n)) throw new Error(`wrong answer to ${n}: ${JSON.stringify(result)}`);
        }
        const sorted = samples.subarray(0, count).sort();
        let total = 0;
        for (const sample of sorted) total += sample;
        return {
          p50Us: quantile(sorted, 0.5) / 1e3,
          p99Us: quantile(sorted, 0.99) / 1e3,
          meanUs: total / count / 1e3,
          perSecond: count / (Number(finished - start) / 1e9),
          calls: count,
          cpuShare: cpu.share(Number(finished - start)),
        };
      }),
  };
}
