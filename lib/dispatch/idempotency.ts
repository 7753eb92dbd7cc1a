/** Where a handler stands with a message key. */
export type ClaimResult = 'claimed' | 'in-progress' | 'done';

/**
 * Remembers which messages a handler already handled, so a redelivered one is not run twice.
 * A key is claimed while it runs (for `claimTtlMs`, so a crashed claim expires), committed for
 * `windowMs` when it succeeded, released when it failed (its retry may run).
 * @publicApi
 */
export interface IdempotencyStore {
  claim(key: string, claimTtlMs: number): ClaimResult | Promise<ClaimResult>;
  commit(key: string, windowMs: number): void | Promise<void>;
  release(key: string): void | Promise<void>;
}

interface Entry {
  done: boolean;
  expiresAt: number;
}

/**
 * An in-process store: a map in insertion order, expired entries dropped as they come up and the
 * oldest evicted past `maxEntries`. Enough for one instance; a deployment of several needs a
 * shared store (the Redis one).
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  claim(key: string, claimTtlMs: number): ClaimResult {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt > now) return entry.done ? 'done' : 'in-progress';
    this.entries.delete(key);
    this.entries.set(key, { done: false, expiresAt: now + claimTtlMs });
    this.evict(now);
    return 'claimed';
  }

  commit(key: string, windowMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { done: true, expiresAt: this.now() + windowMs });
  }

  release(key: string): void {
    this.entries.delete(key);
  }

  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}
