import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Transport } from 'nestjs-message-bus/transport';
import { AppTracker, until } from '../../support/bus-app.js';
import { FaultChildren, type FaultChild } from '../../faults/support/fault-children.js';
import type { FaultChildConfig } from '../../faults/support/fault-protocol.js';
import type { QueueCounts } from '../../faults/support/ledger.js';
import { SoakLedger, type MinuteFigures } from './soak-ledger.js';

const FIGURES_FILE = 'build/soak/figures.jsonl';
const PEAK_WINDOW_MS = 10_000;
const PEAK_IN_FLIGHT = 500;
const SAMPLE_EVERY_MS = 5_000;
const OUTAGE_MS = 2_000;
// Ids for the peak and the soak phases: 10 bytes of ledger each, so 80 MB at most.
const LEDGER_CAPACITY = 8_000_000;

/** The broker a soak runs against, and how it is crashed. */
export interface SoakBroker {
  transport: 'redis' | 'amqp';
  url: string;
  makeTransport(namespace: string): Transport;
  /** Child settings the broker needs besides the shared ones (a visibility timeout on Redis). */
  childOptions?: Partial<FaultChildConfig>;
  /** kill -9 of the broker; resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on its data; resolves once it answers. */
  resume(): Promise<void>;
}

export interface SoakOptions {
  minutes: number;
  killEveryMs: number;
}

export interface SoakFigures extends QueueCounts {
  transport: string;
  minutes: number;
  peakPerSecond: number;
  ratePerSecond: number;
  consumerKills: number;
  brokerRestartRecoverMs?: number;
  /** Resident memory of the consumer that is never killed: first and last sample, and the slope. */
  steadyConsumerRssMb: { first: number; last: number; slopeMbPerMinute: number };
  /** The test process (the producer and the ledger, whose typed arrays fill as messages are sent). */
  producerRssMb: { first: number; last: number; slopeMbPerMinute: number };
  perMinute: MinuteFigures[];
}

/**
 * A soak: three consumer processes in one group (two of them killed with -9 in turn every
 * `killEveryMs` and started again, the third never), a producer at half the peak it measured
 * first, and the broker killed with -9 and restarted once half-way. Every acknowledged send must
 * be handled; memory and per-minute latency are reported.
 */
export async function runSoak(broker: SoakBroker, namespace: string, options: SoakOptions): Promise<SoakFigures> {
  const logDir = mkdtempSync(join(tmpdir(), `bus-soak-${broker.transport}-`));
  const children = new FaultChildren();
  const apps = new AppTracker();
  const timers: NodeJS.Timeout[] = [];
  try {
    const ledger = new SoakLedger(logDir, LEDGER_CAPACITY);
    let starts = 0;
    const consumer = (name: string) =>
      children.start({
        url: broker.url,
        namespace,
        serviceName: 'soak',
        concurrency: 100,
        ...broker.childOptions,
        log: join(logDir, `${name}-${++starts}.jsonl`),
      });
    const steady = await consumer('steady');
    const killable: FaultChild[] = [await consumer('a'), await consumer('b')];
    const sender = await apps.start({ transport: broker.makeTransport(namespace), options: { serviceName: 'soak-sender' } });
    const send = (id: string) => ledger.send(id, () => sender.bus.send('fault.work', { id }));

    const peakPerSecond = await measurePeak(ledger, send);
    const ratePerSecond = Math.max(1, Math.floor(peakPerSecond / 2));
    ledger.startMinutes();

    const rss = { steady: [] as [number, number][], producer: [] as [number, number][] };
    const sample = () => {
      const now = Date.now();
      rss.steady.push([now, residentMb(steady.pid)]);
      rss.producer.push([now, process.memoryUsage().rss / 2 ** 20]);
    };
    sample();
    timers.push(setInterval(sample, SAMPLE_EVERY_MS), setInterval(() => ledger.poll(), 1_000));

    let kills = 0;
    const restarts: Promise<void>[] = [];
    timers.push(
      setInterval(() => {
        const index = kills++ % killable.length;
        restarts.push(
          (async () => {
            await killable[index].kill();
            killable[index] = await startedAgain(() => consumer(index === 0 ? 'a' : 'b'));
          })(),
        );
      }, options.killEveryMs),
    );
    const durationMs = options.minutes * 60_000;
    let restartRecoverMs: Promise<number | undefined> = Promise.resolve(undefined);
    timers.push(
      setTimeout(() => {
        restartRecoverMs = (async () => {
          await broker.kill();
          await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
          await broker.resume();
          ledger.faultEnded(Date.now());
          await until(() => (ledger.poll(), ledger.recoverMs !== undefined), 60_000, 'a message handled after the broker restart');
          return ledger.recoverMs;
        })();
        // Away from the consumer kills, so each fault's recovery shows on its own.
      }, durationMs / 2 + options.killEveryMs / 4),
    );
    await openLoopFor(durationMs, ratePerSecond, () => send(ledger.newId()));
    timers.splice(0).forEach((timer) => clearInterval(timer));
    // A consumer being started again is awaited, so none outlives the soak.
    await Promise.all(restarts);
    const brokerRestartRecoverMs = await restartRecoverMs;
    await until(() => ledger.allAcknowledgedHandled(), 180_000, 'every acknowledged send handled');
    sample();

    const counted = ledger.figures();
    const figures: SoakFigures = {
      transport: broker.transport,
      minutes: options.minutes,
      peakPerSecond,
      ratePerSecond,
      ...counted,
      consumerKills: kills,
      brokerRestartRecoverMs,
      steadyConsumerRssMb: memoryTrend(rss.steady),
      producerRssMb: memoryTrend(rss.producer),
    };
    const line = JSON.stringify({ ...figures, at: new Date().toISOString() });
    console.log(`[soak] ${line}`);
    mkdirSync(dirname(FIGURES_FILE), { recursive: true });
    appendFileSync(FIGURES_FILE, `${line}\n`);
    return figures;
  } finally {
    timers.forEach((timer) => clearInterval(timer));
    await children.killAll();
    await apps.closeAll();
    rmSync(logDir, { recursive: true, force: true });
  }
}

// A closed loop of PEAK_IN_FLIGHT senders for PEAK_WINDOW_MS, then the time until all were
// handled: the peak is the slower of the two rates.
async function measurePeak(ledger: SoakLedger, send: (id: string) => Promise<void>): Promise<number> {
  const began = Date.now();
  const sentBefore = ledger.sent;
  const handledBefore = ledger.handledCount();
  await Promise.all(
    Array.from({ length: PEAK_IN_FLIGHT }, async () => {
      while (Date.now() - began < PEAK_WINDOW_MS) await send(ledger.newId());
    }),
  );
  const sendSeconds = (Date.now() - began) / 1000;
  const sent = ledger.sent - sentBefore;
  await until(() => ledger.allAcknowledgedHandled(), 120_000, 'the peak phase handled');
  const handled = ledger.handledCount() - handledBefore;
  return Math.floor(Math.min(sent / sendSeconds, handled / ((Date.now() - began) / 1000)));
}

// Sends on schedule whether or not earlier sends settled; resolves once all settled.
async function openLoopFor(durationMs: number, perSecond: number, send: () => Promise<void>): Promise<void> {
  let inFlight = 0;
  let settled: () => void = () => undefined;
  const began = Date.now();
  for (let n = 1; ; n++) {
    const due = began + (n * 1000) / perSecond;
    if (due - began > durationMs) break;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    inFlight++;
    void send().finally(() => {
      if (--inFlight === 0) settled();
    });
  }
  if (inFlight > 0) await new Promise<void>((resolve) => (settled = resolve));
}

// A consumer started while the broker is away may not get ready in time: it is started again,
// for as long as a broker restart can take.
async function startedAgain(start: () => Promise<FaultChild>): Promise<FaultChild> {
  const giveUpAt = Date.now() + 180_000;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
    }
  }
}

function residentMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

// The least-squares slope of the samples after the first minute (start-up and JIT settle).
function memoryTrend(samples: [number, number][]): { first: number; last: number; slopeMbPerMinute: number } {
  const settledFrom = samples[0][0] + 60_000;
  const points = samples.filter(([at]) => at >= settledFrom).map(([at, mb]) => [(at - samples[0][0]) / 60_000, mb]);
  const round = (value: number) => Math.round(value * 100) / 100;
  const first = round(samples[0][1]);
  const last = round(samples[samples.length - 1][1]);
  if (points.length < 2) return { first, last, slopeMbPerMinute: 0 };
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return { first, last, slopeMbPerMinute: round(covariance / variance) };
}
