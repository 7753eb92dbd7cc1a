import { failure, type QueryResult } from '../messages/results.js';
import type { Reply } from '../transports/transport.interface.js';

interface Waiter {
  deadline: number;
  bucket: Map<string, Waiter>;
  settle(result: QueryResult<unknown>): void;
  reject(error: unknown): void;
}

/**
 * Requests waiting for their reply. Timeouts share one timer: requests are kept per timeout
 * value in insertion order, so within a bucket deadlines only grow and the earliest is first.
 * A timer per request would cost an allocation and a list insertion on the hot path.
 */
export class PendingReplies {
  private readonly waiting = new Map<string, Waiter>();
  private readonly buckets = new Map<number, Map<string, Waiter>>();
  private timer?: NodeJS.Timeout;
  private timerDeadline = Infinity;
  private readonly expireDue = (): void => this.expire();

  get size(): number {
    return this.waiting.size;
  }

  /**
   * Waits for the reply to `requestId`, resolving `shape(result)`; the result is `TIMEOUT`
   * after `timeoutMs`.
   */
  expect<T>(requestId: string, timeoutMs: number, shape: (result: QueryResult<unknown>) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      let bucket = this.buckets.get(timeoutMs);
      if (!bucket) this.buckets.set(timeoutMs, (bucket = new Map()));
      const deadline = Date.now() + timeoutMs;
      const waiter: Waiter = { deadline, bucket, settle: (result) => resolve(shape(result)), reject };
      bucket.set(requestId, waiter);
      this.waiting.set(requestId, waiter);
      if (deadline < this.timerDeadline) this.arm(deadline);
    });
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
    for (const requestId of [...this.waiting.keys()]) this.take(requestId)?.settle(failure('TIMEOUT', reason));
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDeadline = Infinity;
  }

  private take(requestId: string): Waiter | undefined {
    const waiter = this.waiting.get(requestId);
    if (!waiter) return undefined;
    this.waiting.delete(requestId);
    waiter.bucket.delete(requestId);
    return waiter;
  }

  private arm(deadline: number): void {
    clearTimeout(this.timer);
    this.timerDeadline = deadline;
    this.timer = setTimeout(this.expireDue, Math.max(0, deadline - Date.now()));
  }

  private expire(): void {
    this.timer = undefined;
    this.timerDeadline = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const [timeoutMs, bucket] of this.buckets) {
      for (const [requestId, waiter] of bucket) {
        if (waiter.deadline > now) {
          next = Math.min(next, waiter.deadline);
          break;
        }
        this.take(requestId);
        waiter.settle(failure('TIMEOUT', `No reply within ${timeoutMs} ms`));
      }
      if (bucket.size === 0) this.buckets.delete(timeoutMs);
    }
    if (next < Infinity) this.arm(next);
  }
}
