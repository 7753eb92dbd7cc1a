import type { SagaStore } from './saga-store.js';

/**
 * Options of `SagaModule.forRoot()`.
 * @publicApi
 */
export interface SagaModuleOptions {
  /** Where instances live; default in process memory (one instance only). */
  store?: SagaStore;
  /** Immediate reload-and-retry rounds on a conflicting update, before the bus retries the message; default 5. */
  conflictRetries?: number;
  /** How many applied message ids each instance remembers to skip redeliveries; default 50. */
  handledWindow?: number;
}
