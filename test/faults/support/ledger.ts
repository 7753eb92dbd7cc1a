import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MessageBusError } from 'nestjs-message-bus';
import type { HandledLine } from './fault-protocol.js';

/** The total-queue counts of a run; `lost` and `unexpected` must be 0 for it to pass. */
export interface QueueCounts {
  sent: number;
  acknowledged: number;
  handled: number;
  lost: number;
  duplicates: number;
  unexpected: number;
  recovered: number;
  typedRejections: number;
  untypedRejections: number;
}

/** What one fault run measured. */
export interface FaultFigures extends QueueCounts {
  fault: string;
  transport: string;
  deadLettered: number;
  recoverMs?: number;
  rssGrowthMb: number;
  notes?: string;
}

/**
 * The Jepsen total-queue accounting of a fault run: every id sent is attempted, then
 * acknowledged (the send resolved) or rejected (it threw); what the children logged as handled
 * is read from their JSONL files. lost = acknowledged and never handled (nor dead-lettered, when
 * the test expects a letter); unexpected = handled but never attempted; recovered = rejected yet
 * handled; duplicates = handled more than once.
 */
export class Ledger {
  readonly attempted: Set<string>;
  readonly acknowledged: Set<string>;
  readonly rejected: Map<string, unknown>;
  private readonly rssAtStart = process.memoryUsage().rss;
  private next = 0;

  constructor(
    readonly logDir: string,
    readonly fault: string,
    readonly transport: string,
    /** Counts only the lines of this service (group); with `sends`, a view of another ledger. */
    private readonly service?: string,
    sends?: Pick<Ledger, 'attempted' | 'acknowledged' | 'rejected'>,
  ) {
    this.attempted = sends?.attempted ?? new Set();
    this.acknowledged = sends?.acknowledged ?? new Set();
    this.rejected = sends?.rejected ?? new Map();
  }

  /** The same sends with only `service`'s lines: a fan-out's figures group by group. */
  ofService(service: string): Ledger {
    return new Ledger(this.logDir, this.fault, `${this.transport} group ${service}`, service, this);
  }

  newId(): string {
    return `${this.fault}-${++this.next}`;
  }

  /** Runs one send, recording its outcome; never throws. */
  async send(id: string, send: () => Promise<unknown>): Promise<void> {
    this.attempted.add(id);
    try {
      await send();
      this.acknowledged.add(id);
    } catch (error) {
      this.rejected.set(id, error);
    }
  }

  /** Every line the children wrote so far: handlers started and handlers done. */
  lines(): HandledLine[] {
    if (!existsSync(this.logDir)) return [];
    return readdirSync(this.logDir)
      .filter((file) => file.endsWith('.jsonl'))
      .flatMap((file) =>
        readFileSync(join(this.logDir, file), 'utf8')
          .split('\n')
          // A line still being written (a read can land between the pages of one write) comes next time.
          .slice(0, -1)
          .map((line) => JSON.parse(line) as HandledLine),
      )
      .filter((line) => this.service === undefined || line.service === this.service);
  }

  /** The lines of handlers that returned: a message counts as handled only then. */
  handledLines(): HandledLine[] {
    return this.lines().filter((line) => line.done);
  }

  /** Ms from `since` to the first message handled after it (undefined while none was). */
  firstHandledAfter(since: number): number | undefined {
    const first = Math.min(...this.handledLines().filter((line) => line.at >= since).map((line) => line.at));
    return Number.isFinite(first) ? first - since : undefined;
  }

  /** Whether every acknowledged send was handled (or is one of `accountedFor`, dead letters). */
  allAcknowledgedHandled(accountedFor: Iterable<string> = []): boolean {
    const handled = this.handledIds();
    for (const id of accountedFor) handled.add(id);
    return [...this.acknowledged].every((id) => handled.has(id));
  }

  handledIds(): Set<string> {
    return new Set(this.handledLines().map((line) => line.id));
  }

  /** The figures, with `accountedFor` ids (dead letters) counted as not lost. */
  figures(extra: { deadLettered?: Iterable<string>; recoverMs?: number; notes?: string } = {}): FaultFigures {
    const lines = this.handledLines();
    const counts = new Map<string, number>();
    for (const line of lines) counts.set(line.id, (counts.get(line.id) ?? 0) + 1);
    const letters = new Set(extra.deadLettered ?? []);
    const lost = [...this.acknowledged].filter((id) => !counts.has(id) && !letters.has(id));
    const typed = [...this.rejected.values()].filter((error) => error instanceof MessageBusError).length;
    const figures: FaultFigures = {
      fault: this.fault,
      transport: this.transport,
      sent: this.attempted.size,
      acknowledged: this.acknowledged.size,
      handled: counts.size,
      lost: lost.length,
      duplicates: [...counts.values()].reduce((sum, count) => sum + count - 1, 0),
      unexpected: [...counts.keys()].filter((id) => !this.attempted.has(id)).length,
      recovered: [...this.rejected.keys()].filter((id) => counts.has(id)).length,
      typedRejections: typed,
      untypedRejections: this.rejected.size - typed,
      deadLettered: letters.size,
      recoverMs: extra.recoverMs,
      rssGrowthMb: Math.round((process.memoryUsage().rss - this.rssAtStart) / 1e5) / 10,
      notes: extra.notes,
    };
    record(figures);
    return figures;
  }
}

// Where every run's figures are appended, one JSON line each: docs/reliability.md quotes them.
const FIGURES_FILE = 'build/faults/figures.jsonl';

/** Prints a run's figures as one JSON line and appends it to build/faults/figures.jsonl. */
export function record(figures: FaultFigures): void {
  const line = JSON.stringify({ ...figures, at: new Date().toISOString() });
  console.log(`[fault] ${line}`);
  mkdirSync(dirname(FIGURES_FILE), { recursive: true });
  appendFileSync(FIGURES_FILE, `${line}\n`);
}
