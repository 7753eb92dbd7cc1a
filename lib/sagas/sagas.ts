import { newSagaStats, type SagaStats } from './saga-runner.js';
import type { SagaStore } from './saga-store.js';

/**
 * The sagas of the application: their store and counters. Injectable once `SagaModule` is imported.
 * @publicApi
 */
export class Sagas {
  /** @internal Built by `SagaModule`. */
  constructor(
    readonly store: SagaStore,
    private readonly counters: ReadonlyMap<string, SagaStats>,
  ) {}

  /** Counters since start: of the saga of that name, or of all of them. */
  stats(sagaName?: string): SagaStats {
    if (sagaName !== undefined) return { ...(this.counters.get(sagaName) ?? newSagaStats()) };
    const total = newSagaStats();
    for (const stats of this.counters.values()) {
      for (const field of Object.keys(total) as (keyof SagaStats)[]) total[field] += stats[field];
    }
    return total;
  }
}
