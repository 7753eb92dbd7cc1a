import { describe, expect, it } from 'vitest';
import { EventRing } from '../../../lib/websocket/event-ring.js';

// Pure logic, kept beside the bridge's tests: what a reconnecting client can still get.
describe('EventRing', () => {
  const frame = (bytes: number) => Buffer.alloc(bytes);
  const ids = (entries: { id: string }[] | undefined) => entries?.map((entry) => entry.id);

  it('answers the entries after an id, oldest first', () => {
    const ring = new EventRing({ windowMs: 1000, maxEvents: 10, maxBytes: 1000 });
    for (const id of ['a', 'b', 'c']) ring.add(id, 'T.x', frame(1));

    expect(ids(ring.after('a'))).toEqual(['b', 'c']);
    expect(ids(ring.after('c'))).toEqual([]);
    expect(ring.after('z')).toBeUndefined();
  });

  it('forgets by count, by bytes and by age', () => {
    let now = 0;
    const ring = new EventRing({ windowMs: 100, maxEvents: 3, maxBytes: 10 }, () => now);
    for (const id of ['a', 'b', 'c', 'd']) ring.add(id, 'T.x', frame(1));
    expect(ring.after('a')).toBeUndefined();
    expect(ids(ring.after('b'))).toEqual(['c', 'd']);

    ring.add('big', 'T.x', frame(9));
    expect(ring.after('c')).toBeUndefined();
    expect(ids(ring.after('d'))).toEqual(['big']);

    now = 101;
    expect(ring.after('d')).toBeUndefined();
  });

  it('keeps nothing with maxEvents 0', () => {
    const ring = new EventRing({ windowMs: 100, maxEvents: 0, maxBytes: 10 });
    ring.add('a', 'T.x', frame(1));

    expect(ring.after('a')).toBeUndefined();
  });
});
