import type { SagaStats } from '../sagas/saga-runner.js';
import type { BusMetrics } from './bus-metrics.js';
import { collectedCounter } from './collected-counter.js';

const HELP: Record<keyof SagaStats, string> = {
  started: 'Saga instances created.',
  applied: 'Saga steps applied and stored.',
  completed: 'Saga instances completed (state removed).',
  conflicts: 'Saga writes that lost to a concurrent update of the same instance (each handled again).',
  duplicates: 'Redelivered messages a saga instance had applied already.',
  ignored: 'Messages that correlated to no running saga instance and do not start one.',
};

/**
 * The sagas' Prometheus counters, per saga name, in the bus's registry under its prefix
 * (`bus_saga_started_total{saga="order"}`), read from the sagas' counters when scraped.
 */
export function registerSagaMetrics(metrics: BusMetrics, counters: ReadonlyMap<string, SagaStats>): void {
  for (const field of Object.keys(HELP) as (keyof SagaStats)[]) {
    collectedCounter([metrics.registry], `${metrics.prefix}saga_${field}_total`, HELP[field], ['saga'], () =>
      [...counters].map(([saga, stats]) => ({ labels: { saga }, value: stats[field] })),
    );
  }
}
