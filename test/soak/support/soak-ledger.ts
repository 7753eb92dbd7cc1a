import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { MessageBusError } from 'nestjs-message-bus';
import type { HandledLine } from '../../faults/support/fault-protocol.js';

const ID_PREFIX = 'soak-';
// Handled latency histogram: 1 ms buckets up to a minute (anything later counts in the last).
const LATENCY_BUCKETS = 60_000;

const enum Outcome {
  None,
  Attempted,
  Acknowledged,
  TypedRejection,
  UntypedRejection,
}

export interface MinuteFigures {
  minute: number;
  handled: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * The total-queue accounting of the fault ledger, in fixed memory for millions of messages:
 * numeric ids in typed arrays, the children's JSONL logs read as they grow, and handled latency
 * (send start to handler done) kept as a per-minute histogram.
 */
export class SoakLedger {
  private readonly outcome: Uint8Array;
  private readonly handled: Uint8Array;
  private readonly sentAt: Float64Array;
  private readonly read = new Map<string, { offset: number; partial: string }>();
  private readonly minutes: Uint32Array[] = [];
  private next = 0;
  private unexpected = 0;
  private faultEndedAt?: number;
  private firstAfterFault?: number;

  private minutesFrom = Date.now();

  constructor(
    readonly logDir: string,
    readonly capacity: number,
  ) {
    this.outcome = new Uint8Array(capacity);
    this.handled = new Uint8Array(capacity);
    this.sentAt = new Float64Array(capacity);
  }

  get sent(): number {
    return this.next;
  }

  newId(): string {
    if (this.next + 1 >= this.capacity) throw new Error(`the soak ledger holds ${this.capacity} messages`);
    return `${ID_PREFIX}${++this.next}`;
  }

  /** Runs one send, recording when it started and how it ended; never throws. */
  async send(id: string, send: () => Promise<unknown>): Promise<void> {
    const n = Number(id.slice(ID_PREFIX.length));
    this.sentAt[n] = Date.now();
    this.outcome[n] = Outcome.Attempted;
    try {
      await send();
      this.outcome[n] = Outcome.Acknowledged;
    } catch (error) {
      this.outcome[n] = error instanceof MessageBusError ? Outcome.TypedRejection : Outcome.UntypedRejection;
    }
  }

  /** Reads what the children appended since the last poll. */
  poll(): void {
    for (const file of readdirSync(this.logDir)) {
      if (!file.endsWith('.jsonl')) continue;
      const state = this.read.get(file) ?? { offset: 0, partial: '' };
      this.read.set(file, state);
      const fd = openSync(join(this.logDir, file), 'r');
      try {
        const size = fstatSync(fd).size;
        if (size <= state.offset) continue;
        const chunk = Buffer.alloc(size - state.offset);
        readSync(fd, chunk, 0, chunk.length, state.offset);
        state.offset = size;
        const lines = (state.partial + chunk.toString()).split('\n');
        state.partial = lines.pop() as string;
        for (const line of lines) if (line.includes('"done":true')) this.count(JSON.parse(line) as HandledLine);
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Per-minute figures count from now on (after a warm-up or peak phase). */
  startMinutes(): void {
    this.poll();
    this.minutes.length = 0;
    this.minutesFrom = Date.now();
  }

  /** Marks the end of a fault: `recoverMs` is the time from it to the first message handled after it. */
  faultEnded(at: number): void {
    this.faultEndedAt = at;
    this.firstAfterFault = undefined;
  }

  get recoverMs(): number | undefined {
    return this.firstAfterFault === undefined || this.faultEndedAt === undefined ? undefined : this.firstAfterFault - this.faultEndedAt;
  }

  /** Whether every acknowledged send was handled (after a poll). */
  allAcknowledgedHandled(): boolean {
    this.poll();
    for (let n = 1; n <= this.next; n++) if (this.outcome[n] === Outcome.Acknowledged && this.handled[n] === 0) return false;
    return true;
  }

  /** How many ids were handled at least once (after a poll). */
  handledCount(): number {
    this.poll();
    let count = 0;
    for (let n = 1; n <= this.next; n++) if (this.handled[n] > 0) count++;
    return count;
  }

  figures() {
    this.poll();
    let acknowledged = 0;
    let handled = 0;
    let lost = 0;
    let duplicates = 0;
    let recovered = 0;
    let typedRejections = 0;
    let untypedRejections = 0;
    for (let n = 1; n <= this.next; n++) {
      const outcome = this.outcome[n];
      const times = this.handled[n];
      if (times > 0) handled++;
      if (times > 1) duplicates += times - 1;
      if (outcome === Outcome.Acknowledged) {
        acknowledged++;
        if (times === 0) lost++;
      } else if (outcome === Outcome.TypedRejection || outcome === Outcome.UntypedRejection) {
        if (outcome === Outcome.TypedRejection) typedRejections++;
        else untypedRejections++;
        if (times > 0) recovered++;
      }
    }
    const perMinute: MinuteFigures[] = this.minutes.map((histogram, minute) => ({
      minute: minute + 1,
      handled: histogram.reduce((sum, count) => sum + count, 0),
      p50Ms: quantile(histogram, 0.5),
      p99Ms: quantile(histogram, 0.99),
    }));
    return { sent: this.next, acknowledged, handled, lost, duplicates, unexpected: this.unexpected, recovered, typedRejections, untypedRejections, perMinute };
  }

  private count(line: HandledLine): void {
    const n = line.id.startsWith(ID_PREFIX) ? Number(line.id.slice(ID_PREFIX.length)) : 0;
    if (!(n >= 1 && n <= this.next) || this.outcome[n] === Outcome.None) {
      this.unexpected++;
      return;
    }
    this.handled[n] = Math.min(255, this.handled[n] + 1);
    if (this.faultEndedAt !== undefined && line.at >= this.faultEndedAt && (this.firstAfterFault === undefined || line.at < this.firstAfterFault)) {
      this.firstAfterFault = line.at;
    }
    if (line.at < this.minutesFrom) return;
    const minute = Math.floor((line.at - this.minutesFrom) / 60_000);
    while (this.minutes.length <= minute) this.minutes.push(new Uint32Array(LATENCY_BUCKETS));
    this.minutes[minute][Math.min(LATENCY_BUCKETS - 1, Math.max(0, Math.round(line.at - this.sentAt[n])))]++;
  }
}

function quantile(histogram: Uint32Array, q: number): number {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let ms = 0; ms < histogram.length; ms++) {
    seen += histogram[ms];
    if (seen >= rank) return ms;
  }
  return histogram.length - 1;
}
