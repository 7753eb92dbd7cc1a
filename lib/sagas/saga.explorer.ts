import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { InvalidHandlerError } from '../messages/errors.js';
import { BUS_ENGINE } from '../constants.js';
import type { BusEngine } from '../dispatch/bus-engine.js';
import { MessageBus } from '../message-bus.js';
import { SAGA_MODULE_OPTIONS } from './saga.module-definition.js';
import type { SagaModuleOptions } from './saga-module.options.js';
import { SagaBase } from './saga-base.js';
import { sagaOptionsOf, type SagaOptions } from './saga.decorator.js';
import { newSagaStats, SagaRunner, type SagaStats } from './saga-runner.js';
import { sagaStepsOf } from './saga-step.decorator.js';
import { Sagas } from './sagas.js';

export const SAGA_STATS = 'message-bus:saga-stats';

/**
 * Finds the `@Saga()` providers of the application and registers each of their steps as an
 * event handler of the bus, on module init (before the bus starts consuming).
 */
@Injectable()
export class SagaExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly bus: MessageBus,
    @Inject(BUS_ENGINE) private readonly engine: BusEngine,
    private readonly sagas: Sagas,
    @Inject(SAGA_STATS) private readonly stats: Map<string, SagaStats>,
    @Inject(SAGA_MODULE_OPTIONS) private readonly options: SagaModuleOptions,
  ) {}

  onModuleInit(): void {
    const names = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      const metatype = wrapper.metatype;
      if (wrapper.isAlias || typeof metatype !== 'function' || !instance || typeof instance !== 'object') continue;
      const sagaOptions = sagaOptionsOf(metatype);
      if (sagaOptions === undefined) continue;
      if (!wrapper.isDependencyTreeStatic()) throw new InvalidHandlerError(`Saga ${metatype.name} must be a singleton provider`);
      if (!(instance instanceof SagaBase)) throw new InvalidHandlerError(`Saga ${metatype.name} must extend SagaBase`);
      const name = sagaOptions.name ?? metatype.name;
      const other = names.get(name);
      if (other !== undefined) throw new InvalidHandlerError(`Sagas ${other} and ${metatype.name} share the name "${name}"`);
      names.set(name, metatype.name);
      this.register(instance, name, sagaOptions);
    }
  }

  private register(instance: SagaBase<unknown>, name: string, sagaOptions: SagaOptions): void {
    const stats = newSagaStats();
    this.stats.set(name, stats);
    const runner = new SagaRunner(name, this.sagas.store, this.bus, stats, {
      conflictRetries: this.options.conflictRetries ?? 5,
      handledWindow: this.options.handledWindow ?? 50,
    });
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    let steps = 0;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = prototype[methodName];
      if (typeof method !== 'function') continue;
      for (const declared of sagaStepsOf(method) ?? []) {
        steps += 1;
        const step = { starts: declared.starts, correlate: declared.correlate, invoke: method.bind(instance) as (message: unknown) => unknown };
        this.engine.addHandler({
          id: `${instance.constructor.name}.${methodName}`,
          kind: 'event',
          patterns: [declared.pattern],
          payloadType: declared.payloadType,
          options: { group: sagaOptions.group, retry: sagaOptions.retry },
          invoke: (message, context) => runner.handle(step, message, context),
        });
      }
    }
    if (steps === 0) throw new InvalidHandlerError(`Saga ${instance.constructor.name} has no @StartedBy or @Handles method`);
  }
}
