import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PendingReplies } from '../../../lib/dispatch/pending-replies.js';
import type { QueryResult } from '../../../lib/messages/results.js';

const identity = (result: QueryResult<unknown>) => result;

describe('PendingReplies', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves a request with its reply and ignores a late duplicate', async () => {
    const replies = new PendingReplies();
    const answer = replies.expect('r1', 1000, identity);
    replies.settle({ requestId: 'r1', result: { ok: true, data: 42 } });
    replies.settle({ requestId: 'r1', result: { ok: true, data: 43 } });
    await expect(answer).resolves.toEqual({ ok: true, data: 42 });
    expect(replies.size).toBe(0);
  });

  it('times out each request at its own deadline, whatever the mix of timeouts', async () => {
    const replies = new PendingReplies();
    const settled: string[] = [];
    const track = (id: string, timeoutMs: number) =>
      replies.expect(id, timeoutMs, identity).then((result) => settled.push(`${id}:${result.ok ? 'ok' : result.error.code}`));
    void track('slow', 300);
    void track('fast', 100);
    void track('answered', 100);
    void track('fast2', 100);
    replies.settle({ requestId: 'answered', result: { ok: true, data: null } });
    await vi.advanceTimersByTimeAsync(99);
    expect(settled).toEqual(['answered:ok']);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toEqual(['answered:ok', 'fast:TIMEOUT', 'fast2:TIMEOUT']);
    await vi.advanceTimersByTimeAsync(199);
    expect(settled).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toEqual(['answered:ok', 'fast:TIMEOUT', 'fast2:TIMEOUT', 'slow:TIMEOUT']);
    expect(replies.size).toBe(0);
  });

  it('re-arms for a shorter timeout registered after a longer one', async () => {
    const replies = new PendingReplies();
    const long = replies.expect('long', 10_000, identity);
    const short = replies.expect('short', 50, identity);
    await vi.advanceTimersByTimeAsync(50);
    await expect(short).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    replies.settle({ requestId: 'long', result: { ok: true, data: 1 } });
    await expect(long).resolves.toEqual({ ok: true, data: 1 });
  });

  it('rejects a request whose message could not be published', async () => {
    const replies = new PendingReplies();
    const answer = replies.expect('r', 1000, identity);
    replies.reject('r', new Error('broker down'));
    await expect(answer).rejects.toThrow('broker down');
  });

  it('answers every open request when abandoned', async () => {
    const replies = new PendingReplies();
    const answers = [replies.expect('a', 1000, identity), replies.expect('b', 2000, identity)];
    replies.abandonAll('closing');
    await expect(Promise.all(answers)).resolves.toEqual([
      { ok: false, error: { code: 'TIMEOUT', message: 'closing' } },
      { ok: false, error: { code: 'TIMEOUT', message: 'closing' } },
    ]);
  });
});
