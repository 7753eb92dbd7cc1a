import { describe, expect, it } from 'vitest';
import { InvalidPatternError } from '../../../lib/messages/errors.js';
import { TopicTrie } from '../../../lib/routing/topic-trie.js';

// AMQP topic-exchange semantics: `*` exactly one word, `#` zero or more.
const cases: [pattern: string, topic: string, matches: boolean][] = [
  ['TTS.Started', 'TTS.Started', true],
  ['TTS.Started', 'TTS.Finished', false],
  ['TTS.Started', 'tts.started', false],
  ['TTS.*', 'TTS.Started', true],
  ['TTS.*', 'TTS', false],
  ['TTS.*', 'TTS.A.B', false],
  ['*', 'a', true],
  ['*', 'a.b', false],
  ['*.*', 'a.b', true],
  ['*.*', 'a', false],
  ['*.b', 'a.b', true],
  ['*.b', 'a.c', false],
  ['a.*.c', 'a.b.c', true],
  ['a.*.c', 'a.c', false],
  ['a.*.c', 'a.b.b.c', false],
  ['#', 'a', true],
  ['#', 'a.b.c', true],
  ['task.#', 'task', true],
  ['task.#', 'task.a', true],
  ['task.#', 'task.a.b', true],
  ['task.#', 'tasks.a', false],
  ['#.done', 'done', true],
  ['#.done', 'a.b.done', true],
  ['#.done', 'a.done.b', false],
  ['a.#.z', 'a.z', true],
  ['a.#.z', 'a.b.c.z', true],
  ['a.#.z', 'a.b.c', false],
  ['#.#', 'a', true],
  ['#.*', 'a', true],
  ['#.*', 'a.b.c', true],
  ['*.#', 'a', true],
  ['*.#.*', 'a', false],
  ['*.#.*', 'a.b', true],
  ['a.#.#.b', 'a.b', true],
  ['a.#.b.#', 'a.x.b', true],
  ['a.#.b.#', 'a.x.c', false],
  ['user:42.*', 'user:42.updated', true],
  ['order_created', 'order-created', false],
];

describe('TopicTrie', () => {
  it.each(cases)('%s against %s -> %s', (pattern, topic, expected) => {
    const trie = new TopicTrie<string>();
    trie.add(pattern, 'handler');
    expect(trie.match(topic).length > 0).toBe(expected);
  });

  it('returns every matching value once, in insertion order', () => {
    const trie = new TopicTrie<string>();
    trie.add('a.*', 'first');
    trie.add('#', 'second');
    trie.add('a.b', 'third');
    trie.add('#.b', 'first');
    trie.add('c.d', 'other');
    expect(trie.match('a.b')).toEqual(['first', 'second', 'third']);
  });

  it('orders by the comparator, ties by insertion', () => {
    const trie = new TopicTrie<{ name: string; priority: number }>((a, b) => a.priority - b.priority);
    const low = { name: 'low', priority: 90 };
    const high = { name: 'high', priority: 10 };
    const tieA = { name: 'tieA', priority: 50 };
    const tieB = { name: 'tieB', priority: 50 };
    for (const value of [low, tieA, high, tieB]) trie.add('x.*', value);
    expect(trie.match('x.y').map((value) => value.name)).toEqual(['high', 'tieA', 'tieB', 'low']);
  });

  it('forgets a removed pattern and keeps the others', () => {
    const trie = new TopicTrie<string>();
    trie.add('a.*', 'one');
    trie.add('a.#', 'two');
    expect(trie.match('a.b')).toEqual(['one', 'two']);
    expect(trie.remove('a.*', 'one')).toBe(true);
    expect(trie.match('a.b')).toEqual(['two']);
    expect(trie.remove('a.*', 'one')).toBe(false);
    expect(trie.remove('a.#', 'two')).toBe(true);
    expect(trie.match('a.b')).toEqual([]);
    expect(trie.size).toBe(0);
  });

  it('keeps a value added under two patterns until both are removed', () => {
    const trie = new TopicTrie<string>();
    trie.add('a.*', 'v');
    trie.add('*.b', 'v');
    trie.remove('a.*', 'v');
    expect(trie.match('a.b')).toEqual(['v']);
  });

  it('sees patterns added after a topic was cached', () => {
    const trie = new TopicTrie<string>();
    trie.add('a.b', 'one');
    expect(trie.match('a.b')).toEqual(['one']);
    trie.add('a.*', 'two');
    expect(trie.match('a.b')).toEqual(['one', 'two']);
  });

  it('answers a repeated topic from its cache', () => {
    const trie = new TopicTrie<string>();
    trie.add('a.*', 'one');
    expect(trie.match('a.b')).toBe(trie.match('a.b'));
  });

  it('finds the one matching pattern among thousands', () => {
    const trie = new TopicTrie<number>();
    for (let i = 0; i < 3000; i++) trie.add(i % 3 === 0 ? `svc${i}.*` : i % 3 === 1 ? `svc${i}.#` : `svc${i}.evt`, i);
    trie.add('target.*', -1);
    expect(trie.match('target.hit')).toEqual([-1]);
    expect(trie.match('svc4.a.b')).toEqual([4]);
  });

  it('rejects invalid patterns', () => {
    expect(() => new TopicTrie<string>().add('a..b', 'x')).toThrow(InvalidPatternError);
  });
});
