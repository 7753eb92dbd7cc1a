import { describe, expect, it } from 'vitest';
import { exceedsJsonSize } from '../../../lib/transports/memory/payload-size.js';

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('exceedsJsonSize', () => {
  const samples: [string, unknown][] = [
    ['ascii string', 'a'.repeat(1000)],
    ['multi-byte string', 'é😀'.repeat(300)],
    ['control characters', '\u0001\n\t'.repeat(200)],
    ['object', { text: 'hello', n: 12345.678, flag: true, none: null, list: [1, 2, 3] }],
    ['nested', { a: { b: { c: { d: 'x'.repeat(500) } } } }],
    ['array of objects', Array.from({ length: 50 }, (_, i) => ({ i, name: `item-${i}` }))],
    ['date', { at: new Date(0) }],
    ['buffer', { data: Buffer.from('hello world') }],
    ['empty containers', { a: {}, b: [], c: [{}, []] }],
  ];

  it.each(samples)('agrees with JSON around the exact size: %s', (_name, value) => {
    const exact = size(value);
    expect(exceedsJsonSize(value, exact)).toBe(false);
    expect(exceedsJsonSize(value, exact - 1)).toBe(true);
  });

  it('answers large payloads without encoding them twice as big', () => {
    expect(exceedsJsonSize({ blob: 'x'.repeat(2 * 1024 * 1024) }, 1024 * 1024)).toBe(true);
    expect(exceedsJsonSize({ small: 'x' }, 1024 * 1024)).toBe(false);
  });

  it('refuses what JSON cannot encode', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => exceedsJsonSize(cyclic, 1000)).toThrow(TypeError);
    expect(() => exceedsJsonSize({ n: 1n }, 1000)).toThrow(TypeError);
  });
});
