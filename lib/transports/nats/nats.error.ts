import type { CredentialScrubber } from '../shared/credentials.js';
import { NatsTransportError, scrubbedError } from '../shared/transport.error.js';

/** A {@link NatsTransportError} saying what failed, naming the server, with a scrubbed cause. */
export function natsError(scrubber: CredentialScrubber, what: string, thrown: unknown): NatsTransportError {
  return scrubbedError(NatsTransportError, 'NATS', scrubber, what, thrown);
}
