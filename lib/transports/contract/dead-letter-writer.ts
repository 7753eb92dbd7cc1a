import type { DeadLetter } from '../../messages/dead-letter.js';
import { toError } from '../../messages/errors.js';
import { quoted, truncatedRaw } from '../../messages/inbound.js';
import { newMessageId } from '../../messages/message-id.js';
import type { BusLogger, DeadLetterStore } from './transport.js';

/** The error a dead letter keeps is cut to this many characters: a letter must stay storable. */
export const MAX_LETTER_ERROR_LENGTH = 2000;

/** How the message behind a letter is settled once the letter is stored, or could not be. */
export interface LetterSettlement {
  /** The letter is stored: the message is done. */
  ack(): void;
  /** Storing failed: the broker keeps the message (rejected to its own dead-letter queue, or redelivered later). */
  release(): void;
}

export interface DeadLetterWriterHooks {
  /** Where letters go; asked at each write (the bus's connection may be replaced). */
  store(): DeadLetterStore;
  stored?(letter: DeadLetter): void;
  /** A letter could not be stored, even with the message's raw bytes: counted by the bus. */
  failed(letter: DeadLetter, error: Error): void;
  logger: BusLogger;
  /** The error as text fit for a log line (credentials scrubbed). */
  describe(error: unknown): string;
}

/**
 * Writes dead letters, for the bus (handler failures) and for a transport (undecodable
 * messages, consumers that kept dying): stamped, the error cut short, stored; when storing
 * fails and the message's raw bytes are known (a payload that cannot be encoded again, say),
 * once more with those bytes (cut to `MAX_RAW_BYTES`) as the payload. A failure of both is
 * caught, counted, logged, and the message released to the broker: never left held.
 * Stays synchronous when the store is.
 */
export class DeadLetterWriter {
  constructor(private readonly hooks: DeadLetterWriterHooks) {}

  write(letter: Omit<DeadLetter, 'id' | 'deadLetteredAt'>, settlement: LetterSettlement, raw?: Buffer): void | Promise<void> {
    const error = letter.error && { ...letter.error, message: cut(letter.error.message) };
    return this.attempt({ id: newMessageId(), deadLetteredAt: Date.now(), ...letter, error }, settlement, raw);
  }

  private attempt(letter: DeadLetter, settlement: LetterSettlement, raw: Buffer | undefined): void | Promise<void> {
    let added: void | Promise<void>;
    try {
      added = this.hooks.store().add(letter);
    } catch (error) {
      return this.notStored(letter, settlement, raw, error);
    }
    if (added instanceof Promise) {
      return added.then(
        () => this.stored(letter, settlement),
        (error: unknown) => this.notStored(letter, settlement, raw, error),
      );
    }
    this.stored(letter, settlement);
  }

  private stored(letter: DeadLetter, settlement: LetterSettlement): void {
    this.hooks.stored?.(letter);
    settlement.ack();
  }

  private notStored(letter: DeadLetter, settlement: LetterSettlement, raw: Buffer | undefined, error: unknown): void | Promise<void> {
    if (raw !== undefined) return this.attempt({ ...letter, envelope: { ...letter.envelope, payload: truncatedRaw(raw) } }, settlement, undefined);
    const { envelope } = letter;
    this.hooks.failed(letter, toError(error));
    this.hooks.logger.error(
      `Could not store the dead letter of ${quoted(envelope.topic)} (id=${quoted(envelope.id)}, ${letter.reason}): ` +
        `${this.hooks.describe(error)}; left to the broker`,
    );
    settlement.release();
  }
}

function cut(message: string): string {
  return message.length > MAX_LETTER_ERROR_LENGTH ? `${message.slice(0, MAX_LETTER_ERROR_LENGTH)}…(${message.length} chars)` : message;
}
