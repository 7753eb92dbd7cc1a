import { MessageBusError } from '../../messages/errors.js';
import type { CredentialScrubber } from './credentials.js';

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

/** A {@link TransportError} of the NATS JetStream transport. @publicApi */
export class NatsTransportError extends TransportError {}

/** A broker's error saying what failed, naming the server (URL masked), with a scrubbed cause. */
export function scrubbedError<E extends TransportError>(
  Type: new (message: string, options?: ErrorOptions) => E,
  broker: string,
  scrubber: CredentialScrubber,
  what: string,
  thrown: unknown,
): E {
  const cause = new Error(scrubber.message(thrown));
  cause.name = thrown instanceof Error ? thrown.name : 'Error';
  return new Type(`${what} (${broker} at ${scrubber.maskedUrl}): ${cause.message}`, { cause });
}
