export { NatsTransport } from './nats.transport.js';
export type { NatsTlsOptions, NatsTransportOptions } from './nats.options.js';
export { NatsTransportError } from '../shared/transport.error.js';
