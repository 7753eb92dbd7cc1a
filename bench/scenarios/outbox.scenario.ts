import type { PeerId } from '../peers/peers.js';
import type { OutboxDriver, OutboxVia } from '../peers/peer.js';
import { collectGarbage, now, quantile, repeatFor } from '../measure.js';
import type { Budget, Metrics } from '../protocol.js';
import { withHarness, type Scenario } from './scenario.js';

export interface OutboxScenarioOptions {
  id: string;
  peers: readonly PeerId[];
  /** Concurrent writers, each committing one transaction after the other. */
  writers: number;
  budgetScale?: number;
}

/** Rows committed in one transaction for the relay's drain rate. */
export const DRAIN_ROWS = 2_000;
/** How long to wait for the last handled events after the writers stopped. */
const DRAIN_TIMEOUT_MS = 30_000;

/** Resolves once the handler got every event of `seqs`. */
async function untilHandled(driver: OutboxDriver, seqs: Iterable<number>, what: string): Promise<void> {
  const waiting = [...seqs];
  const drainBy = Date.now() + DRAIN_TIMEOUT_MS;
  while (!waiting.every((n) => driver.handledAt.has(n))) {
    if (Date.now() > drainBy) throw new Error(`${what}: not every committed event was handled within ${DRAIN_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The relay alone: `count` rows committed at once, forwarded per second until the last was handled. */
async function drain(driver: OutboxDriver, first: number, count: number): Promise<number> {
  const committed = await driver.writeMany(first, count);
  const seqs = Array.from({ length: count }, (_, i) => first + i);
  await untilHandled(driver, seqs, 'drain');
  const last = seqs.reduce((latest, n) => {
    const at = driver.handledAt.get(n) as bigint;
    return at > latest ? at : latest;
  }, committed);
  return count / (Number(last - committed) / 1e9);
}

/** Commit → handled of one phase: messages per second until the last was handled, p50/p99 in µs. */
async function phase(driver: OutboxDriver, via: OutboxVia, writers: number, ms: number, first: number): Promise<{ metrics: Metrics; next: number }> {
  let seq = first;
  const committedAt = new Map<number, bigint>();
  const start = now();
  const deadline = start + BigInt(ms * 1e6);
  const writer = async (): Promise<void> => {
    while (now() < deadline) {
      const n = seq++;
      committedAt.set(n, await driver.write(n, via));
    }
  };
  await Promise.all(Array.from({ length: writers }, writer));
  await untilHandled(driver, committedAt.keys(), via);
  let last = start;
  const latencies = new Float64Array(committedAt.size);
  let i = 0;
  for (const [n, committed] of committedAt) {
    const at = driver.handledAt.get(n) as bigint;
    if (at > last) last = at;
    latencies[i++] = Number(at - committed) / 1e3;
  }
  latencies.sort();
  const count = committedAt.size;
  return {
    metrics: { perSecond: count / (Number(last - start) / 1e9), p50Us: quantile(latencies, 0.5), p99Us: quantile(latencies, 0.99), messages: count },
    next: seq,
  };
}

/**
 * `writers` concurrent writers commit transactions on PostgreSQL, each with one event in the
 * outbox; the relay forwards the rows to the transport, and one handler notes when each arrived.
 * The same application then publishes directly (`bus.publish` after each commit), for comparison.
 */
export function outboxScenario({ id, peers, writers, budgetScale }: OutboxScenarioOptions): Scenario {
  return {
    id,
    peers,
    cpuBound: false,
    budgetScale,
    description:
      `${writers} writers each commit transactions with one event in the outbox, the relay forwards them to one handler: ` +
      `events/s until the last was handled, commit→handled p50/p99; then the same with bus.publish after each commit (direct*); ` +
      `then ${DRAIN_ROWS} rows committed in one transaction, forwarded per second until the last was handled (relayPerSecond)`,
    run: (peer, budget: Budget) =>
      withHarness(peer.outbox?.bind(peer), 'outbox', async (driver) => {
        let seq = 0;
        await repeatFor(budget.warmupMs, async () => {
          seq = (await phase(driver, 'outbox', writers, 100, seq)).next;
        });
        collectGarbage();
        const outbox = await phase(driver, 'outbox', writers, budget.measureMs, seq);
        collectGarbage();
        const direct = await phase(driver, 'direct', writers, budget.measureMs, outbox.next);
        collectGarbage();
        const relayPerSecond = await drain(driver, direct.next, DRAIN_ROWS);
        const total = direct.next + DRAIN_ROWS;
        if (driver.handledAt.size !== total) throw new Error(`expected ${total} handled events, saw ${driver.handledAt.size}`);
        return {
          ...outbox.metrics,
          directPerSecond: direct.metrics.perSecond,
          directP50Us: direct.metrics.p50Us,
          directP99Us: direct.metrics.p99Us,
          directMessages: direct.metrics.messages,
          relayPerSecond,
        };
      }),
  };
}
