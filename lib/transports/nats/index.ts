export { NatsTransport } from './nats.transport.js';
export type { NatsTransportOptions } from './nats.options.js';
export { NatsTransportError } from '../shared/transport.error.js';
