/**
 * When and how often a failed handler runs again.
 * @publicApi
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; default 3. */
  maxAttempts?: number;
  /** Delay before the second attempt; default 1000 ms. */
  initialDelayMs?: number;
  /** Each further delay is the previous one times this; default 2. */
  factor?: number;
  /** Ceiling of any delay; default 30000 ms. */
  maxDelayMs?: number;
  /** Pick each delay uniformly in [0, delay] ("full jitter"); default false. */
  jitter?: boolean;
}

export const DEFAULT_RETRY_POLICY: Readonly<Required<RetryPolicy>> = Object.freeze({
  maxAttempts: 3,
  initialDelayMs: 1000,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: false,
});

/** Fills the fields `policy` leaves out from `base`. */
export function mergeRetryPolicy(
  base: Readonly<Required<RetryPolicy>>,
  policy: RetryPolicy | undefined,
): Readonly<Required<RetryPolicy>> {
  if (!policy) return base;
  return Object.freeze({
    maxAttempts: policy.maxAttempts ?? base.maxAttempts,
    initialDelayMs: policy.initialDelayMs ?? base.initialDelayMs,
    factor: policy.factor ?? base.factor,
    maxDelayMs: policy.maxDelayMs ?? base.maxDelayMs,
    jitter: policy.jitter ?? base.jitter,
  });
}

/** Delay before the attempt after `failedAttempt` (1-based). */
export function retryDelay(policy: Readonly<Required<RetryPolicy>>, failedAttempt: number): number {
  const exponential = policy.initialDelayMs * policy.factor ** (failedAttempt - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return policy.jitter ? Math.floor(Math.random() * (capped + 1)) : capped;
}
