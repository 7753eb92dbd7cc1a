import type { SagaStats } from './saga-runner.js';
import type { SagaStore } from './saga-store.js';

/**
 * The sagas of the application: their store and counters. Injectable once `SagaModule` is imported.
 * @publicApi
 */
export class Sagas {
  /** @internal Built by `SagaModule`. */
  constructor(
    readonly store: SagaStore,
    private readonly counters: SagaStats,
  ) {}

  /** Counters since start. */
  stats(): SagaStats {
    return { ...this.counters };
  }
}
