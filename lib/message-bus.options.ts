import type { CoreBusOptions } from './dispatch/engine-options.js';
import type { Transport } from './transports/transport.interface.js';

/**
 * Options of `MessageBusModule.forRoot(transport, options)`.
 * @publicApi
 */
export interface BusOptions extends CoreBusOptions {
  /** Register the module globally so any module can inject `MessageBus`; default true. */
  isGlobal?: boolean;
}

/** What `forRootAsync`'s factory returns: the options plus the transport. @publicApi */
export interface MessageBusModuleOptions extends Omit<BusOptions, 'isGlobal'> {
  /** A transport instance, or a URL: `memory://`, `redis://`, `rediss://`, `amqp://`, `amqps://`. */
  transport: Transport | string;
}
