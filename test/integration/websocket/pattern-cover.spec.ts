import { describe, expect, it } from 'vitest';
import { covers } from '../../../lib/websocket/pattern-cover.js';

// Pure logic, kept beside the bridge's tests: which requested patterns an allowance lets through.
describe('covers(allowed, requested)', () => {
  it.each([
    ['TTS.*', 'TTS.Started'],
    ['TTS.*', 'TTS.*'],
    ['TTS.#', 'TTS'],
    ['TTS.#', 'TTS.*.Done'],
    ['TTS.#', 'TTS.#'],
    ['#', 'anything.at.#'],
    ['#', '#'],
    ['#.done', 'task.*.done'],
    ['*.#', '#.*'],
    ['#.*', '*.*'],
    ['a.*.#', 'a.b.c.#'],
  ])('%s covers %s', (allowed, requested) => {
    expect(covers(allowed, requested)).toBe(true);
  });

  it.each([
    ['TTS.*', 'TTS.#'],
    ['TTS.*', 'TTS'],
    ['TTS.*', '#'],
    ['TTS.*', 'TTS.A.B'],
    ['TTS.Started', 'TTS.*'],
    ['*.#', '#'],
    ['#.done', 'task.#'],
    ['a.*.#', 'a.#'],
    ['*', '*.*'],
  ])('%s does not cover %s', (allowed, requested) => {
    expect(covers(allowed, requested)).toBe(false);
  });
});
