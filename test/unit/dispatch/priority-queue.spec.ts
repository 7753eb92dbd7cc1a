import { describe, expect, it } from 'vitest';
import { Fifo } from '../../../lib/primitives/fifo.js';
import { PriorityBucketQueue } from '../../../lib/dispatch/priority-queue.js';

describe('PriorityBucketQueue', () => {
  it('pops the lowest priority number first, equal priorities in arrival order', () => {
    const queue = new PriorityBucketQueue<string>();
    const pushes: [string, number][] = [['a50', 50], ['b99', 99], ['c0', 0], ['d50', 50], ['e31', 31], ['f32', 32], ['g0', 0], ['h64', 64], ['i63', 63]];
    for (const [item, priority] of pushes) queue.push(item, priority);
    expect(queue.size).toBe(pushes.length);
    const popped: (string | undefined)[] = [];
    while (queue.size > 0) popped.push(queue.pop());
    expect(popped).toEqual(['c0', 'g0', 'e31', 'f32', 'a50', 'd50', 'i63', 'h64', 'b99']);
    expect(queue.pop()).toBeUndefined();
  });

  it('serves every priority 0..99, across the bitmap words', () => {
    const queue = new PriorityBucketQueue<number>();
    for (let p = 99; p >= 0; p--) queue.push(p, p);
    for (let p = 0; p < 100; p++) expect(queue.pop()).toBe(p);
    expect(queue.size).toBe(0);
  });

  it('lets a later, more urgent item overtake a waiting backlog', () => {
    const queue = new PriorityBucketQueue<string>();
    queue.push('bulk-1', 90);
    queue.push('bulk-2', 90);
    expect(queue.pop()).toBe('bulk-1');
    queue.push('urgent', 1);
    expect(queue.pop()).toBe('urgent');
    expect(queue.pop()).toBe('bulk-2');
  });

  it('holds many items per bucket in order', () => {
    const queue = new PriorityBucketQueue<number>();
    for (let i = 0; i < 10_000; i++) queue.push(i, 7);
    for (let i = 0; i < 10_000; i++) expect(queue.pop()).toBe(i);
  });
});

describe('Fifo', () => {
  it('keeps order while growing around the ring', () => {
    const fifo = new Fifo<number>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round; i++) fifo.push(next++);
      for (let i = 0; i < round / 2; i++) expect(fifo.shift()).toBe(expected++);
    }
    while (fifo.length > 0) expect(fifo.shift()).toBe(expected++);
    expect(expected).toBe(next);
  });
});
