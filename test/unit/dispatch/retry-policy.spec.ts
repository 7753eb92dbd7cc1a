import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, mergeRetryPolicy, retryDelay } from '../../../lib/dispatch/retry-policy.js';

describe('retry policy', () => {
  it('defaults to 3 attempts, 1s doubling, capped at 30s', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000, jitter: false });
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => retryDelay(DEFAULT_RETRY_POLICY, attempt))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });

  it('layers a partial policy over a base', () => {
    const merged = mergeRetryPolicy(DEFAULT_RETRY_POLICY, { initialDelayMs: 10, factor: 3 });
    expect(merged).toEqual({ maxAttempts: 3, initialDelayMs: 10, factor: 3, maxDelayMs: 30_000, jitter: false });
    expect(retryDelay(merged, 3)).toBe(90);
    expect(mergeRetryPolicy(DEFAULT_RETRY_POLICY, undefined)).toBe(DEFAULT_RETRY_POLICY);
  });

  it('draws full jitter within [0, delay]', () => {
    const policy = mergeRetryPolicy(DEFAULT_RETRY_POLICY, { jitter: true, initialDelayMs: 100 });
    const delays = Array.from({ length: 500 }, () => retryDelay(policy, 2));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(200);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});
