import { describe, expect, it } from 'vitest';
import { MemoryIdempotencyStore } from '../../../lib/dispatch/idempotency.js';

describe('MemoryIdempotencyStore', () => {
  it('claims a key once, reports a running claim, remembers a committed one and forgets a released one', () => {
    const store = new MemoryIdempotencyStore();
    expect(store.claim('a', 1000)).toBe('claimed');
    expect(store.claim('a', 1000)).toBe('in-progress');
    store.release('a');
    expect(store.claim('a', 1000)).toBe('claimed');
    store.commit('a', 60_000);
    expect(store.claim('a', 1000)).toBe('done');
  });

  it('lets a claim expire (its handler crashed) and a committed key expire after the window', () => {
    let now = 0;
    const store = new MemoryIdempotencyStore(100, () => now);
    store.claim('crashed', 50);
    store.claim('handled', 50);
    store.commit('handled', 1000);
    now = 60;
    expect(store.claim('crashed', 50)).toBe('claimed');
    expect(store.claim('handled', 50)).toBe('done');
    now = 1001;
    expect(store.claim('handled', 50)).toBe('claimed');
  });

  it('keeps at most maxEntries keys, dropping the oldest first', () => {
    const store = new MemoryIdempotencyStore(3);
    for (const key of ['a', 'b', 'c', 'd']) {
      store.claim(key, 60_000);
      store.commit(key, 60_000);
    }
    expect(store.claim('a', 60_000)).toBe('claimed');
    expect(store.claim('d', 60_000)).toBe('done');
  });

  it('stays correct when keys are released and claimed again past its bound', () => {
    const store = new MemoryIdempotencyStore(1000);
    for (let i = 0; i < 20_000; i++) {
      const key = `k${i % 1500}`;
      if (store.claim(key, 60_000) === 'claimed') {
        if (i % 3 === 0) store.release(key);
        else store.commit(key, 60_000);
      }
    }
    const remembered = Array.from({ length: 1500 }, (_, i) => store.claim(`k${i}`, 60_000)).filter((result) => result === 'done');
    expect(remembered.length).toBeGreaterThan(0);
    expect(remembered.length).toBeLessThanOrEqual(1000);
  });
});
