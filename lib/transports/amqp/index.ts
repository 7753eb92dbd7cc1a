export { AmqpTransport } from './amqp.transport.js';
export type { AmqpTransportOptions } from './amqp.options.js';
export { AmqpTransportError } from '../shared/transport.error.js';
