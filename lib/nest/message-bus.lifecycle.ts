import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { BUS_ENGINE } from '../constants.js';
import type { BusEngine } from '../dispatch/bus-engine.js';
import { BusMetrics } from '../metrics/bus-metrics.js';
import { BusTracing } from '../tracing/bus-tracing.js';
import { HandlerExplorer } from './handler.explorer.js';
import { HandlerInvokerFactory } from './handler-invoker.factory.js';
import { isOffline } from './offline-bootstrap.js';

/**
 * Orders the bus's life within the application's: handlers are registered on module init
 * (a duplicate fails bootstrap), the transport connects and consumes on bootstrap, shutdown
 * first drains (intake stopped, in-flight handlers finished) and then closes the transport.
 */
@Injectable()
export class MessageBusLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    @Inject(BUS_ENGINE) private readonly engine: BusEngine,
    private readonly explorer: HandlerExplorer,
    private readonly invokers: HandlerInvokerFactory,
    @Inject(BusMetrics) private readonly metrics: BusMetrics | null,
  ) {}

  async onModuleInit(): Promise<void> {
    const { engine } = this;
    engine.instrument({ metrics: this.metrics ?? undefined, tracer: await BusTracing.create(engine.transportName) });
    await this.invokers.prepare();
    for (const discovered of this.explorer.explore()) {
      const invoke = this.invokers.create(discovered);
      const id = `${discovered.instance.constructor.name}.${discovered.methodName}`;
      for (const declaration of discovered.metadata) {
        engine.addHandler({
          id,
          kind: declaration.kind,
          patterns: declaration.patterns,
          options: declaration.options,
          payloadType: declaration.payloadType,
          invoke,
          invokeBatch: invoke,
        });
      }
    }
  }

  // An application bootstrapped only to be described never connects (see describeApplication).
  async onApplicationBootstrap(): Promise<void> {
    if (!isOffline()) await this.engine.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.engine.drain();
  }

  onApplicationShutdown(): Promise<void> {
    return this.engine.close();
  }
}
