import { Fifo } from '../primitives/fifo.js';
import type { ClaimResult, IdempotencyStore } from '../transports/contract/idempotency-store.js';

interface Entry {
  done: boolean;
  expiresAt: number;
  /** Which insertion record stands for this entry (a key released and claimed again gets a new one). */
  seq: number;
}

/**
 * An in-process store: entries in a map, and their insertion order in a FIFO, so the oldest can
 * be dropped when expired or past `maxEntries` without walking the map (a map that is deleted
 * from and iterated at its head slows down with every deletion). Enough for one instance; a
 * deployment of several needs a shared store (the Redis one).
 * @publicApi
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly order = new Fifo<{ key: string; seq: number }>();
  private seq = 0;

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  claim(key: string, claimTtlMs: number): ClaimResult {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt > now) return entry.done ? 'done' : 'in-progress';
    const seq = ++this.seq;
    this.entries.set(key, { done: false, expiresAt: now + claimTtlMs, seq });
    this.order.push({ key, seq });
    this.evict(now);
    return 'claimed';
  }

  commit(key: string, windowMs: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    entry.done = true;
    entry.expiresAt = this.now() + windowMs;
  }

  release(key: string): void {
    this.entries.delete(key);
  }

  /** Drops, oldest first, records of entries that are gone, expired, or beyond the bound. */
  private evict(now: number): void {
    for (let head = this.order.peek(); head !== undefined; head = this.order.peek()) {
      const entry = this.entries.get(head.key);
      const stale = entry === undefined || entry.seq !== head.seq;
      if (!stale && entry.expiresAt > now && this.entries.size <= this.maxEntries) return;
      this.order.shift();
      if (!stale) this.entries.delete(head.key);
    }
  }
}
