import type { DeadLetter } from '../../messages/dead-letter.js';
import { newMessageId } from '../../messages/message-id.js';
import type { BusLogger, DeadLetterStore } from '../contract/transport.js';

/** How a transport settles the message behind a letter it wrote, or failed to write. */
export interface LetterSettlement {
  /** The letter is stored: the message is done. */
  ack(): void;
  /** Storing failed: the broker keeps the message (rejected to its own dead-letter queue, or redelivered later). */
  release(): void;
}

/**
 * The dead letters a transport makes itself (an undecodable message, one whose consumers died
 * too often): stamped, stored, reported to the bus, then the message acked. A failure to store
 * is caught, counted and logged, and the message is released to the broker, never left held.
 */
export class TransportDeadLetters {
  /** Letters that could not be stored since the connection opened. */
  failures = 0;

  constructor(
    private readonly store: DeadLetterStore,
    private readonly onDeadLettered: (letter: DeadLetter) => void,
    private readonly logger: BusLogger,
    private readonly describe: (error: unknown) => string,
  ) {}

  /** Resolves true once the letter is stored and the message acked; false when it was released. */
  async write(letter: Omit<DeadLetter, 'id' | 'deadLetteredAt'>, settlement: LetterSettlement): Promise<boolean> {
    const stored: DeadLetter = { id: newMessageId(), deadLetteredAt: Date.now(), ...letter };
    try {
      await this.store.add(stored);
    } catch (error) {
      this.failures += 1;
      this.logger.error(`Could not store the dead letter of ${stored.envelope.topic} (${stored.reason}): ${this.describe(error)}; left to the broker`);
      settlement.release();
      return false;
    }
    this.onDeadLettered(stored);
    settlement.ack();
    return true;
  }
}
