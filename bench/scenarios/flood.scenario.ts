import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { PeerId } from '../peers/peers.js';
import type { Backpressure, FloodDriver } from '../peers/peer.js';
import { now, rssPeak } from '../measure.js';
import { withHarness, type Scenario } from './scenario.js';

const RSS_SAMPLE_MS = 50;
// A publisher that does not await yields to the event loop after this many publishes, so that
// timers (the RSS sampler) and handlers get to run at all.
const CHUNK = 10_000;
// Once nothing moves for this long, whatever is not accounted for is lost.
const STALL_MS = 3_000;
const MiB = 2 ** 20;

/** `block` and `adaptive` slow a publisher down, which only works if it awaits each publish. */
export function awaitsEachPublish(backpressure: Backpressure): boolean {
  return backpressure === 'block' || backpressure === 'adaptive';
}

function isOverloaded(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'OVERLOADED';
}

interface Tally {
  rejected: number;
  /** Rejections other than OVERLOADED: never expected. */
  failed: number;
}

async function publishAll({ publish }: FloodDriver, backpressure: Backpressure, messages: number, tally: Tally, sample: () => void): Promise<void> {
  if (awaitsEachPublish(backpressure)) {
    for (let seq = 0; seq < messages; seq++) {
      await publish(seq);
      if (seq % CHUNK === 0) sample();
    }
    return;
  }
  const refused = (error: unknown): void => {
    if (isOverloaded(error)) tally.rejected += 1;
    else tally.failed += 1;
  };
  for (let seq = 0; seq < messages; seq++) {
    publish(seq).catch(refused);
    if (seq % CHUNK === CHUNK - 1) {
      sample();
      await nextTurn();
    }
  }
}

/**
 * Publishes `messages` events into a slow handler behind a small queue and waits until every one
 * was handled, dropped or refused. Reports the peak RSS, the times, the counts and `lost`:
 * published minus handled, dropped and refused (0 unless the bus lost something silently).
 */
export function floodScenario(options: { id: string; peers: readonly PeerId[]; backpressure: Backpressure; messages: number }): Scenario {
  const { id, peers, backpressure, messages } = options;
  return {
    id,
    peers,
    cpuBound: false,
    description:
      `publish ${messages.toLocaleString('en-US')} events into an async handler that awaits setImmediate ` +
      `(concurrency 10, maxQueueSize 10,000, backpressure ${backpressure}); the publisher ` +
      (awaitsEachPublish(backpressure) ? 'awaits each publish' : `does not await (it yields every ${CHUNK.toLocaleString('en-US')} publishes)`) +
      `; RSS sampled every ${RSS_SAMPLE_MS} ms`,
    run: (peer) =>
      withHarness(peer.flood?.bind(peer, { backpressure }), 'flood', async (driver) => {
        const baselineRss = process.memoryUsage.rss();
        const rss = rssPeak(RSS_SAMPLE_MS);
        const tally: Tally = { rejected: 0, failed: 0 };
        const accounted = (): number => driver.probe.handled + driver.dropped() + tally.rejected + tally.failed;
        const start = now();
        await publishAll(driver, backpressure, messages, tally, rss.sample);
        const published = now();
        let seen = accounted();
        let movedAt = Date.now();
        while (seen < messages && Date.now() - movedAt < STALL_MS) {
          await sleep(5);
          if (accounted() !== seen) {
            seen = accounted();
            movedAt = Date.now();
          }
        }
        const finished = now();
        const peakRss = rss.stop();
        const handled = driver.probe.handled;
        const dropped = driver.dropped();
        const durationS = Number(finished - start) / 1e9;
        return {
          published: messages,
          handled,
          dropped,
          rejected: tally.rejected,
          lost: messages - handled - dropped - tally.rejected,
          publisherS: Number(published - start) / 1e9,
          durationS,
          handledPerSecond: handled / durationS,
          baselineRssMiB: baselineRss / MiB,
          peakRssMiB: peakRss / MiB,
        };
      }),
  };
}
