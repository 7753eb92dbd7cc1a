import { MessageBusError } from '../../messages/errors.js';
import { maskUrl } from '../transport-url.js';

/**
 * The broker refused an operation, or could not be reached in time. The message says what was
 * attempted and what the broker answered (e.g. `PRECONDITION_FAILED - inequivalent arg`), with
 * credentials masked; `amqpCode` is the AMQP reply code when the broker sent one.
 * @publicApi
 */
export class AmqpTransportError extends MessageBusError {
  readonly code = 'TRANSPORT_ERROR';

  constructor(
    message: string,
    readonly amqpCode?: number,
  ) {
    super(message);
  }
}

/** The AMQP reply code an amqplib error carries when the broker closed a channel or connection. */
export function amqpCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The message of an amqplib or socket error with every credential of `url` masked. The cause
 * itself is not kept on our errors: its own message or properties could carry the URL.
 */
export function describeError(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return maskSecrets(message, url);
}

/** `text` with the URL and any `//user:password@` masked, and the password itself removed. */
export function maskSecrets(text: string, url: string): string {
  let masked = text.split(url).join(maskUrl(url)).replace(/\/\/([^:/@\s]*):[^@/\s]+@/g, '//$1:***@');
  for (const secret of secretsOf(url)) masked = masked.split(secret).join('***');
  return masked;
}

function secretsOf(url: string): string[] {
  try {
    const password = new URL(url).password;
    // A very short password would mask unrelated text; the URL forms above cover it.
    if (password.length < 4) return [];
    return [...new Set([password, decodeURIComponent(password)])];
  } catch {
    return [];
  }
}
