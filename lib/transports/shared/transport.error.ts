import { MessageBusError } from '../../messages/errors.js';

/**
 * A broker could not do what the bus asked (unreachable, refused the credentials or an
 * operation, lost the connection before storing a message). The message names the broker with
 * its URL masked and carries no credential; a `cause`, when present, is scrubbed too.
 * @publicApi
 */
export class TransportError extends MessageBusError {
  readonly code = 'TRANSPORT_ERROR';
}

/** A {@link TransportError} of the Redis transport. @publicApi */
export class RedisTransportError extends TransportError {}

/**
 * A {@link TransportError} of the RabbitMQ transport; `amqpCode` is the AMQP reply code when the
 * broker sent one (e.g. 406 for `PRECONDITION_FAILED - inequivalent arg`).
 * @publicApi
 */
export class AmqpTransportError extends TransportError {
  constructor(
    message: string,
    readonly amqpCode?: number,
  ) {
    super(message);
  }
}
