/** Where a handler stands with a message key. @publicApi */
export type ClaimResult = 'claimed' | 'in-progress' | 'done';

/**
 * Remembers which messages a handler already handled, so a redelivered one is not run twice.
 * A key is claimed while it runs (for `claimTtlMs`, so a crashed claim expires), committed for
 * `windowMs` when it succeeded, released when it failed (its retry may run).
 * @publicApi
 */
export interface IdempotencyStore {
  claim(key: string, claimTtlMs: number): ClaimResult | Promise<ClaimResult>;
  commit(key: string, windowMs: number): void | Promise<void>;
  release(key: string): void | Promise<void>;
}
