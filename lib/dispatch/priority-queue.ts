import { MAX_PRIORITY, MIN_PRIORITY } from '../messages/envelope.js';

/** A FIFO on a growable ring buffer: O(1) push and shift without `Array.shift`'s copying. */
export class Fifo<T> {
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  length = 0;

  push(item: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & (this.items.length - 1)] = item;
    this.length += 1;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.length === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length -= 1;
    return item;
  }

  /** Removes and returns the first item matching `predicate` (usually the head: O(1)). */
  removeFirst(predicate: (item: T) => boolean): T | undefined {
    const mask = this.items.length - 1;
    for (let i = 0; i < this.length; i++) {
      const item = this.items[(this.head + i) & mask] as T;
      if (!predicate(item)) continue;
      for (let j = i; j > 0; j--) this.items[(this.head + j) & mask] = this.items[(this.head + j - 1) & mask];
      this.items[this.head] = undefined;
      this.head = (this.head + 1) & mask;
      this.length -= 1;
      return item;
    }
    return undefined;
  }

  private grow(): void {
    const grown = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.length; i++) grown[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = grown;
    this.head = 0;
  }
}

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
