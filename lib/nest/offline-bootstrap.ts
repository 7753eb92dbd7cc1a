import { AsyncLocalStorage } from 'node:async_hooks';

const offline = new AsyncLocalStorage<true>();

/**
 * Runs `bootstrap` so that every bus it initialises registers its handlers but does not connect
 * its transport: what describing an application needs, and nothing that reaches a broker.
 * Scoped to this async call, so applications started elsewhere in the process are unaffected.
 */
export function withoutConnecting<T>(bootstrap: () => Promise<T>): Promise<T> {
  return offline.run(true, bootstrap);
}

/** True inside {@link withoutConnecting}. */
export function isOffline(): boolean {
  return offline.getStore() === true;
}
