import type { PeerId } from '../peers/peers.js';
import type { Harness, Peer } from '../peers/peer.js';
import type { Budget, Metrics } from '../protocol.js';

/** One measurement, run in a fresh process per peer and repetition. */
export interface Scenario {
  /** Stable id: the key in results JSON and the argument of a filtered run. */
  readonly id: string;
  /** What is measured and how, one sentence (copied into the results). */
  readonly description: string;
  readonly peers: readonly PeerId[];
  /**
   * The process should be busy all through the measured phase (in memory): a low CPU share then
   * means it was preempted, and the run is repeated once. Broker scenarios wait for I/O.
   */
  readonly cpuBound: boolean;
  /** Multiplies the warm-up and measuring times (broker round trips are slower: more time, as many samples). */
  readonly budgetScale?: number;
  run(peer: Peer, budget: Budget): Promise<Metrics>;
}

/** Boots the peer's workload, measures, and always closes the application. */
export async function withHarness<D>(
  boot: (() => Promise<Harness<D>>) | undefined,
  what: string,
  measure: (driver: D) => Promise<Metrics>,
): Promise<Metrics> {
  if (!boot) throw new Error(`this peer has no ${what} workload`);
  const harness = await boot();
  try {
    return await measure(harness.driver);
  } finally {
    await harness.close();
  }
}
