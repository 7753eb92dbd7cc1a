import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BusMetrics } from '../metrics/bus-metrics.js';
import { registerSagaMetrics } from '../metrics/saga-metrics.js';
import { SagaExplorer, SAGA_STATS } from './saga.explorer.js';
import { SagaConfigurableModule, SAGA_MODULE_OPTIONS } from './saga.module-definition.js';
import type { SagaModuleOptions } from './saga-module.options.js';
import type { SagaStats } from './saga-runner.js';
import { MemorySagaStore } from './saga-store.js';
import { Sagas } from './sagas.js';

/**
 * Runs the application's `@Saga()` classes on the bus. Import it next to `MessageBusModule`:
 *
 * ```ts
 * @Module({
 *   imports: [MessageBusModule.forRoot('redis://127.0.0.1:6379'), SagaModule.forRoot({ store: new RedisSagaStore(redis) })],
 *   providers: [OrderSaga],
 * })
 * export class AppModule {}
 * ```
 * `forRootAsync({ imports, inject, useFactory })` builds the options (the store) from other providers.
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: SAGA_STATS, useFactory: () => new Map<string, SagaStats>() },
    {
      provide: Sagas,
      useFactory: (options: SagaModuleOptions, stats: Map<string, SagaStats>, metrics: BusMetrics | null | undefined) => {
        // The counters go to Prometheus with the bus's, unless the bus has metrics off.
        if (metrics) registerSagaMetrics(metrics, stats);
        return new Sagas(options.store ?? new MemorySagaStore(), stats);
      },
      inject: [SAGA_MODULE_OPTIONS, SAGA_STATS, { token: BusMetrics, optional: true }],
    },
    SagaExplorer,
  ],
  exports: [Sagas],
})
export class SagaModule extends SagaConfigurableModule {}
