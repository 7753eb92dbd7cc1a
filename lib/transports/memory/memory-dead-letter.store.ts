import type { DeadLetter, DeadLetterFilter } from '../../messages/dead-letter.js';

/**
 * Dead letters in process memory, oldest first, bounded by `maxSize` (the oldest are dropped)
 * and `ttlMs` (expired ones are dropped when the store is next touched).
 */
export class MemoryDeadLetterStore {
  // Insertion-ordered: the first entry is always the oldest.
  private readonly letters = new Map<string, DeadLetter>();

  constructor(
    private readonly maxSize: number,
    private readonly ttlMs: number,
  ) {}

  /** Stores a letter; returns how many older ones were dropped to stay within bounds. */
  add(letter: DeadLetter): number {
    let dropped = this.prune();
    if (this.maxSize === 0) return dropped + 1;
    this.letters.set(letter.id, letter);
    for (const id of this.letters.keys()) {
      if (this.letters.size <= this.maxSize) break;
      this.letters.delete(id);
      dropped += 1;
    }
    return dropped;
  }

  /** Letters matching `filter`, oldest first, at most `limit`; plus how many expired meanwhile. */
  list(filter: DeadLetterFilter & { limit?: number }): { letters: DeadLetter[]; dropped: number } {
    const dropped = this.prune();
    const limit = filter.limit ?? Infinity;
    const letters: DeadLetter[] = [];
    for (const letter of this.letters.values()) {
      if (letters.length >= limit) break;
      if (matches(letter, filter)) letters.push(letter);
    }
    return { letters, dropped };
  }

  /** Removes and returns the selected letters. */
  take(selector: string | DeadLetterFilter): { letters: DeadLetter[]; dropped: number } {
    const dropped = this.prune();
    let letters: DeadLetter[];
    if (typeof selector === 'string') {
      const letter = this.letters.get(selector);
      letters = letter ? [letter] : [];
    } else {
      letters = [...this.letters.values()].filter((letter) => matches(letter, selector));
    }
    for (const letter of letters) this.letters.delete(letter.id);
    return { letters, dropped };
  }

  private prune(): number {
    const cutoff = Date.now() - this.ttlMs;
    let dropped = 0;
    for (const [id, letter] of this.letters) {
      if (letter.deadLetteredAt > cutoff) break;
      this.letters.delete(id);
      dropped += 1;
    }
    return dropped;
  }
}

function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  return filter.topic === undefined || letter.envelope.topic === filter.topic;
}
