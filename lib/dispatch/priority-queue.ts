import { MAX_PRIORITY, MIN_PRIORITY } from '../messages/envelope.js';
import { Fifo } from '../primitives/fifo.js';

/**
 * A bucket queue over priorities 0..99: one FIFO per priority and a bitmap of the non-empty
 * ones, so push and pop are O(1) and equal priorities keep arrival order.
 */
export class PriorityBucketQueue<T> {
  private readonly buckets = Array.from({ length: MAX_PRIORITY + 1 }, () => new Fifo<T>());
  // Bit p of word p >> 5 is set while bucket p holds items.
  private readonly occupied = new Uint32Array(4);
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T, priority: number): void {
    this.buckets[priority].push(item);
    this.occupied[priority >> 5] |= 1 << (priority & 31);
    this.count += 1;
  }

  /**
   * Removes the oldest item matching `predicate` among the least urgent: buckets are searched
   * from priority 99 down to `mostUrgent`.
   */
  removeLeastUrgent(predicate: (item: T) => boolean, mostUrgent = MIN_PRIORITY): T | undefined {
    for (let priority = MAX_PRIORITY; priority >= mostUrgent; priority--) {
      if ((this.occupied[priority >> 5] & (1 << (priority & 31))) === 0) continue;
      const bucket = this.buckets[priority];
      const item = bucket.removeFirst(predicate);
      if (item === undefined) continue;
      if (bucket.length === 0) this.occupied[priority >> 5] &= ~(1 << (priority & 31));
      this.count -= 1;
      return item;
    }
    return undefined;
  }

  /** Removes and returns the oldest item of the lowest priority number. */
  pop(): T | undefined {
    for (let word = 0; word < 4; word++) {
      const bits = this.occupied[word];
      if (bits === 0) continue;
      // Lowest set bit: clz32 of the isolated bit counts from the top.
      const priority = (word << 5) + (31 - Math.clz32(bits & -bits));
      const bucket = this.buckets[priority];
      const item = bucket.shift();
      if (bucket.length === 0) this.occupied[word] &= ~(1 << (priority & 31));
      this.count -= 1;
      return item;
    }
    return undefined;
  }
}
