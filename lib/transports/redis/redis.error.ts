import type { CredentialScrubber } from '../shared/credentials.js';
import { RedisTransportError, scrubbedError } from '../shared/transport.error.js';

/**
 * The old name of {@link RedisTransportError} on `nestjs-message-bus/redis`.
 * @deprecated Use `RedisTransportError`, or match any broker's failure with the root `TransportError`.
 */
export const TransportError = RedisTransportError;
/** @deprecated Use `RedisTransportError`. */
export type TransportError = RedisTransportError;

/** A {@link RedisTransportError} saying what failed, naming the server, with a scrubbed cause. */
export function redisError(scrubber: CredentialScrubber, what: string, thrown: unknown): RedisTransportError {
  return scrubbedError(RedisTransportError, 'Redis', scrubber, what, thrown);
}
