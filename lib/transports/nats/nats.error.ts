import type { CredentialScrubber } from '../shared/credentials.js';
import { NatsTransportError, scrubbedError } from '../shared/transport.error.js';

/** A {@link NatsTransportError} saying what failed, naming the server, with a scrubbed cause. */
export function natsError(scrubber: CredentialScrubber, what: string, thrown: unknown): NatsTransportError {
  return scrubbedError(NatsTransportError, 'NATS', scrubber, what, thrown);
}

/** Why JetStream did not store a message: its error reply, no stream on the subject, or no ack in time. */
export class JetStreamPublishError extends Error {
  override readonly name = 'JetStreamPublishError';
}
