import type { NestInterceptor, Type } from '@nestjs/common';
import type { CoreBusOptions } from './dispatch/engine-options.js';
import type { MetricsOptions } from './metrics/bus-metrics.js';
import type { Transport } from './transports/contract/transport.js';

/**
 * Options of `MessageBusModule.forRoot(transport, options)`.
 * @publicApi
 */
export interface BusOptions extends CoreBusOptions {
  /**
   * Interceptors around every handler: the bus's global interceptors (after guards, before class
   * and method interceptors, as Nest orders globals). Classes are taken from DI when provided
   * somewhere, else created with their dependencies.
   */
  interceptors?: (Type<NestInterceptor> | NestInterceptor)[];
  /**
   * Also wrap handlers in the application's global guards, interceptors, pipes and filters
   * (`useGlobal*`, `APP_*`); default false, as for Nest's hybrid microservices (`inheritAppConfig`):
   * those are usually written for HTTP. Use `isBusContext(context)` in them to step aside.
   */
  inheritAppEnhancers?: boolean;
  /** Prometheus metrics (prom-client): where and under which prefix; `false` turns them off. Default on, in a registry of the bus's own. */
  metrics?: MetricsOptions | false;
  /** Register the module globally so any module can inject `MessageBus`; default true. */
  isGlobal?: boolean;
}

/** What `forRootAsync`'s factory returns: the options plus the transport. @publicApi */
export interface MessageBusModuleOptions extends Omit<BusOptions, 'isGlobal'> {
  /** A transport instance, or a URL: `memory://`, `redis://`, `rediss://`, `amqp://`, `amqps://`, `nats://`. */
  transport: Transport | string;
}
