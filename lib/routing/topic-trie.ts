import { assertPattern } from './topic.js';

interface Entry<T> {
  readonly value: T;
  readonly seq: number;
}

class TrieNode<T> {
  readonly children = new Map<string, TrieNode<T>>();
  star?: TrieNode<T>;
  hash?: TrieNode<T>;
  entries: Entry<T>[] = [];

  isEmpty(): boolean {
    return this.entries.length === 0 && this.children.size === 0 && !this.star && !this.hash;
  }
}

// Results are cached per topic; the cache is dropped on any change and when it holds this many
// topics, so memory stays bounded when topics are unbounded (ids in topics, say).
const CACHE_LIMIT = 10_000;
// A topic is cached on its second sighting among the last this many misses: a topic seen once
// (an id in it) then costs a lookup in a small, short-lived set instead of an entry in the cache,
// which would outlive young-generation collections and be promoted with its result.
const SIGHTINGS_LIMIT = 4_096;
const NONE: readonly never[] = Object.freeze([]);

/**
 * Maps topic patterns to values with AMQP topic-exchange semantics: `*` matches exactly one word,
 * `#` zero or more. Matching walks only the branches the topic's words select, and repeated
 * topics are answered from a cache, so the cost of a match does not grow with the number of
 * patterns.
 */
export class TopicTrie<T> {
  private readonly root = new TrieNode<T>();
  private readonly cache = new Map<string, readonly T[]>();
  private readonly sighted = new Set<string>();
  // The one-value result of each value, shared by every topic that matches only it.
  private readonly singles = new Map<T, readonly T[]>();
  private seq = 0;
  private count = 0;

  /** @param order sorts the values of one match; ties keep insertion order. */
  constructor(private readonly order?: (a: T, b: T) => number) {}

  /** Number of (pattern, value) pairs. */
  get size(): number {
    return this.count;
  }

  add(pattern: string, value: T): void {
    assertPattern(pattern);
    let node = this.root;
    for (const word of pattern.split('.')) node = this.child(node, word);
    node.entries.push({ value, seq: this.seq++ });
    this.count += 1;
    this.forget();
  }

  /** Removes one (pattern, value) pair; false when it was not there. */
  remove(pattern: string, value: T): boolean {
    const path: [TrieNode<T>, string][] = [];
    let node: TrieNode<T> | undefined = this.root;
    for (const word of pattern.split('.')) {
      path.push([node, word]);
      node = word === '*' ? node.star : word === '#' ? node.hash : node.children.get(word);
      if (!node) return false;
    }
    const index = node.entries.findIndex((entry) => entry.value === value);
    if (index < 0) return false;
    node.entries.splice(index, 1);
    this.count -= 1;
    this.forget();
    for (let i = path.length - 1; i >= 0 && node.isEmpty(); i--) {
      const [parent, word] = path[i];
      if (word === '*') parent.star = undefined;
      else if (word === '#') parent.hash = undefined;
      else parent.children.delete(word);
      node = parent;
    }
    return true;
  }

  /** Values whose pattern matches `topic`, each once, in `order` then insertion order. */
  match(topic: string): readonly T[] {
    const cached = this.cache.get(topic);
    if (cached) return cached;
    const found: Entry<T>[] = [];
    this.walk(this.root, topic.split('.'), 0, found);
    const values = found.length === 0 ? NONE : found.length === 1 ? this.single(found[0].value) : this.ordered(found);
    if (this.sighted.delete(topic)) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(topic, values);
    } else {
      if (this.sighted.size >= SIGHTINGS_LIMIT) this.sighted.clear();
      this.sighted.add(topic);
    }
    return values as readonly T[];
  }

  private single(value: T): readonly T[] {
    let values = this.singles.get(value);
    if (values === undefined) this.singles.set(value, (values = [value]));
    return values;
  }

  /** Drops every cached result: the patterns changed. */
  private forget(): void {
    this.cache.clear();
    this.sighted.clear();
    this.singles.clear();
  }

  /** Several matches: each value once (its first pattern counts), sorted. */
  private ordered(found: Entry<T>[]): T[] {
    found.sort((a, b) => a.seq - b.seq);
    const values: T[] = [];
    const seen = new Set<T>();
    for (const entry of found) {
      if (seen.has(entry.value)) continue;
      seen.add(entry.value);
      values.push(entry.value);
    }
    // Array sort is stable: equal values under `order` keep insertion order.
    return this.order ? values.sort(this.order) : values;
  }

  private child(node: TrieNode<T>, word: string): TrieNode<T> {
    if (word === '*') return (node.star ??= new TrieNode());
    if (word === '#') return (node.hash ??= new TrieNode());
    let next = node.children.get(word);
    if (!next) node.children.set(word, (next = new TrieNode()));
    return next;
  }

  private walk(node: TrieNode<T>, words: string[], index: number, found: Entry<T>[]): void {
    if (node.hash) {
      // `#` swallows zero or more words: continue after it from every remaining position.
      for (let next = index; next <= words.length; next++) this.walk(node.hash, words, next, found);
    }
    if (index === words.length) {
      for (const entry of node.entries) found.push(entry);
      return;
    }
    const exact = node.children.get(words[index]);
    if (exact) this.walk(exact, words, index + 1, found);
    if (node.star) this.walk(node.star, words, index + 1, found);
  }
}
