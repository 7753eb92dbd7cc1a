/**
 * When a handler's breaker opens and how it closes again.
 * @publicApi
 */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long it stays open before one trial message runs (half-open). */
  resetTimeoutMs: number;
  /** Successful trials in a row that close it again; default 1. */
  successThreshold?: number;
}

/** @publicApi */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * A per-handler circuit breaker: closed until `failureThreshold` consecutive failures, then open
 * for `resetTimeoutMs`, then half-open: one trial at a time; `successThreshold` successful trials
 * close it, a failed one opens it again.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private successes = 0;
  private openedAt = 0;
  private trialRunning = false;
  private readonly successThreshold: number;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.successThreshold = options.successThreshold ?? 1;
  }

  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.resetTimeoutMs) this.current = 'half-open';
    return this.current;
  }

  /** Whether a message may run now; in half-open, only one trial at a time. */
  tryPass(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialRunning) return false;
    this.trialRunning = true;
    return true;
  }

  /** Ms until the circuit lets a trial through (0 when it would now). */
  retryInMs(): number {
    if (this.current !== 'open') return this.trialRunning ? this.options.resetTimeoutMs : 0;
    return Math.max(0, this.openedAt + this.options.resetTimeoutMs - this.now());
  }

  succeeded(): void {
    if (this.current === 'half-open') {
      this.trialRunning = false;
      this.successes += 1;
      if (this.successes >= this.successThreshold) this.close();
      return;
    }
    this.failures = 0;
  }

  /** A trial that ended neither way (a refused or invalid message) frees the trial slot. */
  released(): void {
    if (this.current === 'half-open') this.trialRunning = false;
  }

  failed(): void {
    if (this.current === 'half-open') {
      this.trialRunning = false;
      this.open();
      return;
    }
    this.failures += 1;
    if (this.failures >= this.options.failureThreshold) this.open();
  }

  private open(): void {
    this.current = 'open';
    this.openedAt = this.now();
    this.successes = 0;
  }

  private close(): void {
    this.current = 'closed';
    this.failures = 0;
    this.successes = 0;
  }
}
