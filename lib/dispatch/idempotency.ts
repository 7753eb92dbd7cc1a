import { assertInteger } from '../primitives/assert-integer.js';
import type { ClaimResult, IdempotencyStore } from '../transports/contract/idempotency-store.js';

/**
 * An in-process store: keys in a map to their slot of a ring, the slot holding the expiry and
 * whether the key was committed. Once the ring holds `maxEntries` slots, each new claim takes
 * the oldest one, so the bound costs no walk and no per-key objects besides the key itself (the
 * map then holds only small integers, and its garbage is the keys). An expired key stays until
 * its slot comes round again, but counts as absent. Enough for one instance; a deployment of
 * several needs a shared store (the Redis one).
 * @publicApi
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly slots = new Map<string, number>();
  // Per slot; a released key leaves its slot empty (`undefined`) until the ring reuses it.
  private readonly keys: (string | undefined)[] = [];
  private readonly expiresAt: number[] = [];
  private readonly done: boolean[] = [];
  private oldest = 0;

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    assertInteger('maxEntries', maxEntries, 1);
  }

  claim(key: string, claimTtlMs: number): ClaimResult {
    const now = this.now();
    const slot = this.slots.get(key);
    if (slot !== undefined) {
      if (this.expiresAt[slot] > now) return this.done[slot] ? 'done' : 'in-progress';
      this.keys[slot] = undefined;
    }
    const taken = this.takeSlot();
    this.keys[taken] = key;
    this.expiresAt[taken] = now + claimTtlMs;
    this.done[taken] = false;
    this.slots.set(key, taken);
    return 'claimed';
  }

  commit(key: string, windowMs: number): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.done[slot] = true;
    this.expiresAt[slot] = this.now() + windowMs;
  }

  release(key: string): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.keys[slot] = undefined;
  }

  /** A new slot while the ring grows, then the oldest one, its key forgotten. */
  private takeSlot(): number {
    const keys = this.keys;
    if (keys.length < this.maxEntries) {
      keys.push(undefined);
      this.expiresAt.push(0);
      this.done.push(false);
      return keys.length - 1;
    }
    const slot = this.oldest;
    this.oldest = slot + 1 === this.maxEntries ? 0 : slot + 1;
    const evicted = keys[slot];
    if (evicted !== undefined) this.slots.delete(evicted);
    return slot;
  }
}
