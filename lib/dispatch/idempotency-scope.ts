import { AsyncLocalStorage } from 'node:async_hooks';

/** The idempotency key the running handler holds the claim of, carried across its awaits. */
export const idempotencyScope = new AsyncLocalStorage<string>();

/**
 * Inside an `idempotent` handler: the key of its claim on this message (the handler's id and
 * the message's key), for a store that records "handled" in the handler's own transaction
 * (`PostgresIdempotencyStore.markHandled`). `undefined` anywhere else.
 * @publicApi
 */
export function currentIdempotencyKey(): string | undefined {
  return idempotencyScope.getStore();
}
