import type { DeadLetter, DeadLetterFilter } from '../messages/dead-letter.js';
import type { BusEngine } from './bus-engine.js';

/**
 * The dead letters of the bus, wherever the transport keeps them.
 * @publicApi
 */
export class DeadLetters {
  private constructor(private readonly engine: BusEngine) {}

  /** @internal */
  static create(engine: BusEngine): DeadLetters {
    return new DeadLetters(engine);
  }

  /** Oldest first; `limit` defaults to 100. */
  list(filter: DeadLetterFilter & { limit?: number } = {}): Promise<DeadLetter[]> {
    return this.engine.connected().deadLetters.list({ ...filter, limit: filter.limit ?? 100 });
  }

  count(filter?: DeadLetterFilter): Promise<number> {
    return this.engine.connected().deadLetters.count(filter);
  }

  /**
   * Publishes the selected letters (a dead-letter id, or a filter) again, to the group that gave
   * up on them only, with attempts reset, no deadline and no reply address (whoever waited for
   * an `execute` answer is gone), and removes them from the store. Resolves how many.
   */
  async replay(selector: string | DeadLetterFilter = {}): Promise<number> {
    const letters = await this.engine.connected().deadLetters.take(selector);
    for (const letter of letters) await this.engine.republish(letter);
    return letters.length;
  }

  /** Deletes the selected letters (all by default); resolves how many. */
  purge(filter?: DeadLetterFilter): Promise<number> {
    return this.engine.connected().deadLetters.purge(filter);
  }
}
