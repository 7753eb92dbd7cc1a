import type { DeadLetter, DeadLetterFilter } from '../messages/dead-letter.js';
import type { Envelope } from '../messages/envelope.js';
import type { BusEngine } from './bus-engine.js';

/**
 * The dead letters of the bus, wherever the transport keeps them.
 * @publicApi
 */
export class DeadLetters {
  /** @internal */
  constructor(private readonly engine: BusEngine) {}

  /** Oldest first; `limit` defaults to 100. */
  list(filter: DeadLetterFilter & { limit?: number } = {}): Promise<DeadLetter[]> {
    return this.engine.connected().deadLetters.list({ limit: 100, ...filter });
  }

  count(filter?: DeadLetterFilter): Promise<number> {
    return this.engine.connected().deadLetters.count(filter);
  }

  /**
   * Sends the selected letters (a dead-letter id, or a filter) back to the group that gave up
   * on them, attempts reset and deadline cleared, and removes them from the store.
   * Resolves how many were replayed.
   */
  async replay(selector: string | DeadLetterFilter = {}): Promise<number> {
    const connection = this.engine.connected();
    const letters = await connection.deadLetters.take(selector);
    for (const letter of letters) {
      const envelope: Envelope = { ...letter.envelope, attempt: 1, deadline: undefined };
      if (letter.group === undefined) await connection.publish(envelope);
      else await connection.schedule(letter.group, envelope, 0);
    }
    return letters.length;
  }

  /** Deletes the selected letters (all by default); resolves how many. */
  purge(filter?: DeadLetterFilter): Promise<number> {
    return this.engine.connected().deadLetters.purge(filter);
  }
}
