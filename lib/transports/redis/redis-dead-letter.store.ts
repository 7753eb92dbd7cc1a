import { redisError } from './redis.error.js';
import { jsonCodec, type Codec } from '../../messages/codec.js';
import type { DeadLetter, DeadLetterFilter } from '../../messages/dead-letter.js';
import type { DeadLetterStore, TransportContext } from '../contract/transport.js';
import type { RedisClient } from './redis-clients.js';
import type { RedisKeys } from './redis-keys.js';
import type { RawEntry, BusScripts } from './redis-scripts.js';
import { decodeEntry, encodeEntry, undecodableEntryEnvelope } from './stream-entry.js';
import type { CredentialScrubber } from '../shared/credentials.js';

/** The field of a dead-letter entry holding why and when; the envelope's fields follow it. */
const LETTER_FIELD = 'deadLetter';
const PAGE = 500;

type LetterInfo = Omit<DeadLetter, 'envelope'>;

interface StoredLetter {
  entryId: string;
  topic: string;
  info: LetterInfo;
  fields: Buffer[];
}

/**
 * Dead letters in one Redis stream shared by every instance of the namespace, oldest first:
 * visible, replayable and purgeable from any of them. Bounded by `maxSize` (trimmed as letters
 * are added) and `ttlMs` (the entry id is the time it was stored; expired ones are trimmed
 * whenever the store is used).
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly client: RedisClient,
    private readonly scripts: BusScripts,
    private readonly keys: RedisKeys,
    private readonly context: TransportContext,
    private readonly scrubber: CredentialScrubber,
    private readonly defaultMaxAttempts: number,
  ) {}

  async add(letter: DeadLetter): Promise<void> {
    const { envelope, ...info } = letter;
    const fields = [LETTER_FIELD, JSON.stringify(info), ...encodeEntry(envelope, this.codecOf(letter))];
    const { maxSize, ttlMs } = this.context.deadLetters;
    await this.guarded(`store the dead letter of ${envelope.topic} (id=${envelope.id})`, async () => {
      this.dropped(await this.scripts.addDeadLetter(ttlMs, maxSize, fields));
    });
  }

  list(filter: DeadLetterFilter & { limit?: number } = {}): Promise<DeadLetter[]> {
    return this.guarded('list dead letters', async () => {
      const limit = filter.limit ?? Infinity;
      const letters: DeadLetter[] = [];
      if (limit <= 0) return letters;
      await this.prune();
      for await (const stored of this.scan(filter)) {
        letters.push(this.toLetter(stored));
        if (letters.length >= limit) break;
      }
      return letters;
    });
  }

  count(filter: DeadLetterFilter = {}): Promise<number> {
    return this.guarded('count dead letters', async () => {
      const remaining = await this.prune();
      if (filter.topic === undefined) return remaining;
      let count = 0;
      for await (const _ of this.scan(filter)) count += 1;
      return count;
    });
  }

  take(selector: string | DeadLetterFilter): Promise<DeadLetter[]> {
    return this.guarded('take dead letters', async () => {
      await this.prune();
      const selected: StoredLetter[] = [];
      for await (const stored of this.scan(typeof selector === 'string' ? {} : selector)) {
        if (typeof selector !== 'string') selected.push(stored);
        else if (stored.info.id === selector) {
          selected.push(stored);
          break;
        }
      }
      const removed = await this.remove(selected);
      return removed.map((stored) => this.toLetter(stored));
    });
  }

  purge(filter: DeadLetterFilter = {}): Promise<number> {
    return this.guarded('purge dead letters', async () => {
      await this.prune();
      if (filter.topic === undefined) return Number(await this.client.xtrim(this.keys.deadLetters, 'MAXLEN', 0));
      const selected: StoredLetter[] = [];
      for await (const stored of this.scan(filter)) selected.push(stored);
      return (await this.remove(selected)).length;
    });
  }

  private async guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw redisError(this.scrubber, `Could not ${what}`, error);
    }
  }

  // The letter of an undecodable entry carries its raw fields, which only JSON can hold whatever the topic's codec.
  private codecOf(letter: DeadLetter): Codec {
    return letter.reason === 'UNDECODABLE' ? jsonCodec : this.context.codecs.forTopic(letter.envelope.topic);
  }

  private async prune(): Promise<number> {
    const { dropped, remaining } = await this.scripts.pruneDeadLetters(this.context.deadLetters.ttlMs);
    this.dropped(dropped);
    return remaining;
  }

  private dropped(count: number): void {
    if (count > 0) this.context.onDeadLettersDropped(count);
  }

  // Deleting entry by entry: when two instances take the same letter, only one gets it.
  private async remove(letters: StoredLetter[]): Promise<StoredLetter[]> {
    const deleted = await Promise.all(letters.map((stored) => this.client.xdel(this.keys.deadLetters, stored.entryId)));
    return letters.filter((_, index) => deleted[index] === 1);
  }

  /** The letters matching `filter`, oldest first, read page by page. */
  private async *scan(filter: DeadLetterFilter): AsyncGenerator<StoredLetter> {
    let start = '-';
    for (;;) {
      const page = (await this.client.xrangeBuffer(this.keys.deadLetters, start, '+', 'COUNT', PAGE)) as RawEntry[];
      for (const [id, fields] of page) {
        const stored = this.parse(id.toString(), fields);
        if (stored && (filter.topic === undefined || stored.topic === filter.topic)) yield stored;
      }
      if (page.length < PAGE) return;
      start = `(${page[page.length - 1][0].toString()}`;
    }
  }

  private parse(entryId: string, fields: Buffer[]): StoredLetter | undefined {
    if (fields[0]?.toString() !== LETTER_FIELD) return undefined;
    try {
      const info = JSON.parse(fields[1].toString()) as LetterInfo;
      const rest = fields.slice(2);
      const topicAt = rest.findIndex((field, index) => index % 2 === 0 && field.toString() === 'topic');
      return { entryId, info, fields: rest, topic: topicAt < 0 ? '' : rest[topicAt + 1].toString() };
    } catch {
      return undefined;
    }
  }

  private toLetter(stored: StoredLetter): DeadLetter {
    const decoded = decodeEntry(stored.entryId, stored.fields, {
      codecs: this.context.codecs,
      defaultMaxAttempts: this.defaultMaxAttempts,
      limits: { maxPayloadBytes: Infinity, maxPayloadDepth: Infinity },
      trusted: true,
    });
    // A letter kept with raw bytes cut to a cap may not decode: it is shown with its raw fields.
    const envelope = decoded.ok ? decoded.envelope : undecodableEntryEnvelope(stored.entryId, this.keys.deadLetters, decoded.raw);
    return { ...stored.info, envelope };
  }
}
