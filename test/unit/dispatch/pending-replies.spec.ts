import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PendingReplies } from '../../../lib/dispatch/pending-replies.js';
import type { QueryResult } from '../../../lib/messages/results.js';

const identity = (result: QueryResult<unknown>) => result;
const ok = (data: unknown): QueryResult<unknown> => ({ ok: true, data });

describe('PendingReplies', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves a request with its reply and ignores a late duplicate or an unknown id', async () => {
    const replies = new PendingReplies();
    const { requestId, answer } = replies.expect(1000, identity);
    replies.settle({ requestId: 'not-ours', result: ok(0) });
    replies.settle({ requestId, result: ok(42) });
    replies.settle({ requestId, result: ok(43) });
    await expect(answer).resolves.toEqual(ok(42));
    expect(replies.size).toBe(0);
  });

  it('gives every request a distinct id, distinct across tables too', () => {
    const first = new PendingReplies();
    const second = new PendingReplies();
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      ids.add(first.expect(1000, identity).requestId);
      ids.add(second.expect(1000, identity).requestId);
    }
    expect(ids.size).toBe(2000);
    first.abandonAll('done');
    second.abandonAll('done');
  });

  it('times out each request at its own deadline, whatever the mix of timeouts', async () => {
    const replies = new PendingReplies();
    const settled: string[] = [];
    const track = (name: string, timeoutMs: number) => {
      const { requestId, answer } = replies.expect(timeoutMs, identity);
      void answer.then((result) => settled.push(`${name}:${result.ok ? 'ok' : result.error.code}`));
      return requestId;
    };
    track('slow', 300);
    track('fast', 100);
    const answered = track('answered', 100);
    track('fast2', 100);
    replies.settle({ requestId: answered, result: ok(null) });
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
    const long = replies.expect(10_000, identity);
    const short = replies.expect(50, identity);
    await vi.advanceTimersByTimeAsync(50);
    await expect(short.answer).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT', message: 'No reply within 50 ms' } });
    replies.settle({ requestId: long.requestId, result: ok(1) });
    await expect(long.answer).resolves.toEqual(ok(1));
  });

  it('keeps requests whose slot is still taken after the ids wrapped around', async () => {
    const replies = new PendingReplies();
    const first = replies.expect(60_000, identity);
    const settledLater: Promise<QueryResult<unknown>>[] = [];
    const ids: string[] = [];
    for (let i = 0; i < (1 << 14) + 10; i++) {
      const { requestId, answer } = replies.expect(60_000, identity);
      ids.push(requestId);
      settledLater.push(answer);
    }
    expect(replies.size).toBe((1 << 14) + 11);
    ids.forEach((requestId, index) => replies.settle({ requestId, result: ok(index) }));
    replies.settle({ requestId: first.requestId, result: ok('first') });
    await expect(first.answer).resolves.toEqual(ok('first'));
    const results = await Promise.all(settledLater);
    expect(results.every((result, index) => result.ok && result.data === index)).toBe(true);
    expect(replies.size).toBe(0);
  });

  it('rejects a request whose message could not be published', async () => {
    const replies = new PendingReplies();
    const { requestId, answer } = replies.expect(1000, identity);
    replies.reject(requestId, new Error('broker down'));
    await expect(answer).rejects.toThrow('broker down');
  });

  it('answers every open request when abandoned', async () => {
    const replies = new PendingReplies();
    const answers = [replies.expect(1000, identity).answer, replies.expect(2000, identity).answer];
    replies.abandonAll('closing');
    await expect(Promise.all(answers)).resolves.toEqual([
      { ok: false, error: { code: 'TIMEOUT', message: 'closing' } },
      { ok: false, error: { code: 'TIMEOUT', message: 'closing' } },
    ]);
  });
});
