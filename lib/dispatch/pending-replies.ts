import { NumberedIds } from '../messages/message-id.js';
import { failure, type QueryResult } from '../messages/results.js';
import type { Reply } from '../transports/contract/transport.js';

interface Waiter {
  readonly id: string;
  readonly sequence: number;
  readonly deadline: number;
  readonly timeoutMs: number;
  settle(result: QueryResult<unknown>): void;
  reject(error: unknown): void;
}

// Slots of the request table; a request whose slot is still taken after the ids wrapped around
// goes to a map instead.
const SLOTS = 1 << 14;
const MASK = SLOTS - 1;

/**
 * Requests waiting for their reply. A request's id carries a number that indexes its slot, so a
 * reply finds its waiter without a map: a long-lived Map with constant inserts and deletes makes
 * V8 promote nearly everything it touches once the map is tenured (measured: 4x slower requests
 * after the first full GC). Timeouts share one timer, armed at the earliest deadline; each firing
 * sweeps the live slots.
 */
export class PendingReplies {
  private readonly ids = new NumberedIds();
  private readonly slots: (Waiter | undefined)[] = new Array(SLOTS);
  private readonly live: number[] = [];
  private readonly livePosition = new Int32Array(SLOTS);
  private readonly overflow = new Map<string, Waiter>();
  private sequence = 0;
  private timer?: NodeJS.Timeout;
  private timerDeadline = Infinity;
  private readonly sweepDue = (): void => this.sweep();

  get size(): number {
    return this.live.length + this.overflow.size;
  }

  /** A fresh request id and the answer to it: `shape(result)`, or `TIMEOUT` after `timeoutMs`. */
  expect<T>(timeoutMs: number, shape: (result: QueryResult<unknown>, requestId: string) => T): { requestId: string; answer: Promise<T> } {
    const sequence = ++this.sequence;
    const requestId = this.ids.id(sequence);
    const deadline = Date.now() + timeoutMs;
    const answer = new Promise<T>((resolve, reject) => {
      const waiter: Waiter = { id: requestId, sequence, deadline, timeoutMs, settle: (result) => resolve(shape(result, requestId)), reject };
      const slot = sequence & MASK;
      if (this.slots[slot] === undefined) this.occupy(slot, waiter);
      else this.overflow.set(requestId, waiter);
    });
    if (deadline < this.timerDeadline) this.arm(deadline);
    return { requestId, answer };
  }

  /** Hands a reply to its requester; a late or unknown reply is ignored. */
  settle(reply: Reply): void {
    this.take(reply.requestId)?.settle(reply.result);
  }

  /** Fails the request: its message could not be published. */
  reject(requestId: string, error: unknown): void {
    this.take(requestId)?.reject(error);
  }

  /** Answers every open request with `TIMEOUT`: the bus is closing and no reply can arrive. */
  abandonAll(reason: string): void {
    const waiters = [...this.live.map((slot) => this.slots[slot] as Waiter), ...this.overflow.values()];
    for (const waiter of waiters) this.take(waiter.id)?.settle(failure('TIMEOUT', reason));
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDeadline = Infinity;
  }

  private occupy(slot: number, waiter: Waiter): void {
    this.slots[slot] = waiter;
    this.livePosition[slot] = this.live.length;
    this.live.push(slot);
  }

  private take(requestId: string): Waiter | undefined {
    const sequence = this.ids.sequenceOf(requestId);
    const slot = sequence & MASK;
    const waiter = sequence < 0 ? undefined : this.slots[slot];
    if (waiter !== undefined && waiter.sequence === sequence) {
      this.slots[slot] = undefined;
      // Swap-remove from the live list.
      const position = this.livePosition[slot];
      const last = this.live.pop() as number;
      if (last !== slot) {
        this.live[position] = last;
        this.livePosition[last] = position;
      }
      return waiter;
    }
    const overflowed = this.overflow.get(requestId);
    if (overflowed !== undefined) this.overflow.delete(requestId);
    return overflowed;
  }

  private arm(deadline: number): void {
    clearTimeout(this.timer);
    this.timerDeadline = deadline;
    this.timer = setTimeout(this.sweepDue, Math.max(0, deadline - Date.now()));
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerDeadline = Infinity;
    const now = Date.now();
    const expired: Waiter[] = [];
    let next = Infinity;
    for (const slot of this.live) {
      const waiter = this.slots[slot] as Waiter;
      if (waiter.deadline <= now) expired.push(waiter);
      else next = Math.min(next, waiter.deadline);
    }
    for (const waiter of this.overflow.values()) {
      if (waiter.deadline <= now) expired.push(waiter);
      else next = Math.min(next, waiter.deadline);
    }
    for (const waiter of expired) this.take(waiter.id)?.settle(failure('TIMEOUT', `No reply within ${waiter.timeoutMs} ms`));
    if (next < Infinity) this.arm(next);
  }
}
