import { MessageBusError } from '../../messages/errors.js';
import { maskUrl } from '../transport-url.js';

/**
 * Redis could not do what the bus asked (unreachable, refused the credentials, lost the
 * connection before storing a message). Its message names the server with the password masked.
 * @publicApi
 */
export class TransportError extends MessageBusError {
  readonly code = 'TRANSPORT_ERROR';
}

/**
 * Removes credentials from what ioredis reports. Its errors can carry the password in
 * `command.args` (a failed AUTH) and in messages quoting the URL, so no ioredis error object is
 * ever passed on: only a scrubbed message.
 */
export class CredentialScrubber {
  private readonly secrets: string[];

  constructor(
    private readonly url: string,
    secrets: (string | undefined)[],
  ) {
    this.secrets = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
  }

  /** The URL with its password replaced by `***`. */
  get maskedUrl(): string {
    return maskUrl(this.url);
  }

  /** `thrown`'s message without any secret. */
  message(thrown: unknown): string {
    let text = thrown instanceof Error ? thrown.message : String(thrown);
    text = text.replaceAll(this.url, this.maskedUrl);
    for (const secret of this.secrets) text = text.replaceAll(secret, '***');
    return text;
  }

  /** A {@link TransportError} saying what failed, naming the server, with a scrubbed cause. */
  error(what: string, thrown: unknown): TransportError {
    const cause = new Error(this.message(thrown));
    cause.name = thrown instanceof Error ? thrown.name : 'Error';
    return new TransportError(`${what} (Redis at ${this.maskedUrl}): ${cause.message}`, { cause });
  }
}

/** The password of a `redis://user:password@host` URL, as written and decoded; none when absent. */
export function secretsOf(url: string): string[] {
  try {
    const parsed = new URL(url);
    const written = parsed.password || parsed.searchParams.get('password') || '';
    return written === '' ? [] : [written, decodeURIComponent(written)];
  } catch {
    return [];
  }
}
