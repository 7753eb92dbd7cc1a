import { describe, expect, it } from 'vitest';
import { InvalidPatternError, InvalidTopicError } from '../../../lib/messages/errors.js';
import { assertPattern, assertTopic, hasWildcard } from '../../../lib/routing/topic.js';

describe('assertTopic', () => {
  it.each(['TTS', 'TTS.Started', 'a.b.c.d', 'order_created', 'user:42.updated', 'kebab-case.x', 'A1.b2', 'x'.repeat(255)])(
    'accepts %s',
    (topic) => expect(() => assertTopic(topic)).not.toThrow(),
  );

  it.each([
    ['empty', ''],
    ['leading dot', '.a'],
    ['trailing dot', 'a.'],
    ['double dot', 'a..b'],
    ['star', 'a.*'],
    ['hash', 'a.#'],
    ['space', 'a b'],
    ['slash', 'a/b'],
    ['too long', 'x'.repeat(256)],
    ['not a string', 42],
  ])('rejects %s with InvalidTopicError', (_name, topic) => {
    expect(() => assertTopic(topic)).toThrow(InvalidTopicError);
  });

  it('rejects with the stable code INVALID_TOPIC', () => {
    expect(() => assertTopic('a..b')).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC' }));
  });
});

describe('assertPattern', () => {
  it.each(['a', 'a.*', '*.b', '#', 'a.#', '#.z', '*.*', 'a.#.z', 'TTS.Started'])('accepts %s', (pattern) =>
    expect(() => assertPattern(pattern)).not.toThrow(),
  );

  it.each(['', 'a.', '.a', 'a..b', 'a*', 'a.b#', '**', 'a.#x', 'a b'])('rejects %s', (pattern) => {
    expect(() => assertPattern(pattern)).toThrow(InvalidPatternError);
  });

  it('tells wildcards from exact topics', () => {
    expect(hasWildcard('a.*')).toBe(true);
    expect(hasWildcard('#')).toBe(true);
    expect(hasWildcard('a.b')).toBe(false);
  });
});
