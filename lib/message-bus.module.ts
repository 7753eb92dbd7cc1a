import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BUS_ENGINE, BUS_TRANSPORT, MESSAGE_CONTEXT } from './constants.js';
import { BusSession } from './dispatch/bus-session.js';
import { engineOf, MessageBus } from './message-bus.js';
import { BusMetrics } from './metrics/bus-metrics.js';
import {
  ConfigurableModuleClass,
  MESSAGE_BUS_OPTIONS,
  type OPTIONS_TYPE,
} from './message-bus.module-definition.js';
import type { BusOptions, MessageBusModuleOptions } from './message-bus.options.js';
import { HandlerExplorer } from './nest/handler.explorer.js';
import { HandlerInvokerFactory } from './nest/handler-invoker.factory.js';
import { messageContextProvider, sessionProvider } from './nest/request-scoped.providers.js';
import { MessageBusLifecycle } from './nest/message-bus.lifecycle.js';
import { transportFromUrl } from './transports/transport-url.js';
import type { Transport } from './transports/contract/transport.js';

/**
 * Provides the injectable `MessageBus` and registers every `@CommandHandler`, `@EventHandler`
 * and `@QueryHandler` method of the application at bootstrap.
 *
 * ```ts
 * @Module({ imports: [MessageBusModule.forRoot('memory://', { serviceName: 'speech' })] })
 * export class AppModule {}
 * ```
 * `forRootAsync({ imports, inject, useFactory })` takes a factory returning the options plus
 * `transport`. The module is global unless `isGlobal: false`.
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: BUS_TRANSPORT,
      useFactory: (options: MessageBusModuleOptions): Transport | Promise<Transport> =>
        typeof options.transport === 'string' ? transportFromUrl(options.transport) : options.transport,
      inject: [MESSAGE_BUS_OPTIONS],
    },
    {
      provide: MessageBus,
      useFactory: (options: MessageBusModuleOptions, transport: Transport) =>
        MessageBus.create(transport, options, (context) => new Logger(context)),
      inject: [MESSAGE_BUS_OPTIONS, BUS_TRANSPORT],
    },
    { provide: BUS_ENGINE, useFactory: engineOf, inject: [MessageBus] },
    {
      provide: BusMetrics,
      useFactory: (options: MessageBusModuleOptions, bus: MessageBus) =>
        options.metrics === false ? null : BusMetrics.create(bus, options.metrics),
      inject: [MESSAGE_BUS_OPTIONS, MessageBus],
    },
    HandlerExplorer,
    HandlerInvokerFactory,
    MessageBusLifecycle,
    messageContextProvider,
    sessionProvider,
  ],
  exports: [MessageBus, BusMetrics, MESSAGE_CONTEXT, BusSession, BUS_ENGINE],
})
export class MessageBusModule extends ConfigurableModuleClass {
  static override forRoot(transport: Transport | string | typeof OPTIONS_TYPE, options: BusOptions = {}): DynamicModule {
    if (typeof transport === 'object' && 'transport' in transport) return super.forRoot(transport);
    return super.forRoot({ ...options, transport });
  }
}
