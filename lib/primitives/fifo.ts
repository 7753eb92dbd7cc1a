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
