import type { JetStreamClient, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { DeadLetter, DeadLetterFilter } from '../../messages/dead-letter.js';
import type { DeadLetterStore, TransportContext } from '../contract/transport.js';
import type { CredentialScrubber } from '../shared/credentials.js';
import type { NatsEnvelopeMapping } from './nats-envelope.js';
import type { NatsNames } from './nats-names.js';
import { natsError } from './nats.error.js';

interface StoredLetter {
  seq: number;
  letter: DeadLetter;
}

/**
 * Dead letters in one JetStream stream per namespace (`<stream>_dead`, subjects
 * `<stream>_dead.<group>.<topic>`), shared by every instance, oldest first: the message as it was
 * (body = payload, envelope headers) plus `x-bus-dead-letter-*` headers, so `nats stream view`
 * shows them. Read message by message with direct gets; a letter is taken by deleting its
 * message (of two instances taking one letter, one gets it). `maxSize` is kept by purging the
 * oldest after each add; letters past `ttlMs` are deleted whenever the store is read.
 */
export class NatsDeadLetterStore implements DeadLetterStore {
  // Operations run one at a time: each trim sees every letter added before it, and a read
  // every letter whose add was asked for before it.
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: NatsNames,
    private readonly mapping: NatsEnvelopeMapping,
    private readonly context: TransportContext,
    private readonly scrubber: CredentialScrubber,
    private readonly timeoutMs: number,
  ) {}

  add(letter: DeadLetter): Promise<void> {
    return this.guarded(`store the dead letter of ${letter.envelope.topic} (id=${letter.envelope.id})`, () => this.store(letter));
  }

  private async store(letter: DeadLetter): Promise<void> {
    const { maxSize } = this.context.deadLetters;
    if (maxSize === 0) {
      this.context.onDeadLettersDropped(1);
      return;
    }
    const group = letter.group ?? this.context.serviceName;
    const { data, headers } = this.mapping.letter(letter);
    await this.js.publish(this.names.deadLetterSubject(group, letter.envelope.topic), data, { headers, timeout: this.timeoutMs });
    const { state } = await this.jsm.streams.info(this.names.deadLetterStream);
    if (state.messages > maxSize) this.dropped((await this.jsm.streams.purge(this.names.deadLetterStream, { keep: maxSize })).purged);
  }

  list(filter: DeadLetterFilter & { limit?: number } = {}): Promise<DeadLetter[]> {
    return this.guarded('list dead letters', async () => {
      const limit = filter.limit ?? Infinity;
      const letters: DeadLetter[] = [];
      if (limit <= 0) return letters;
      for await (const stored of this.scan(filter)) {
        letters.push(stored.letter);
        if (letters.length >= limit) break;
      }
      return letters;
    });
  }

  count(filter: DeadLetterFilter = {}): Promise<number> {
    return this.guarded('count dead letters', async () => {
      let count = 0;
      for await (const _ of this.scan(filter)) count += 1;
      return count;
    });
  }

  take(selector: string | DeadLetterFilter): Promise<DeadLetter[]> {
    return this.guarded('take dead letters', async () => {
      const taken: DeadLetter[] = [];
      for await (const stored of this.scan(typeof selector === 'string' ? {} : selector)) {
        if (typeof selector === 'string' && stored.letter.id !== selector) continue;
        if (await this.remove(stored.seq)) taken.push(stored.letter);
        if (typeof selector === 'string') break;
      }
      return taken;
    });
  }

  purge(filter: DeadLetterFilter = {}): Promise<number> {
    return this.guarded('purge dead letters', async () => {
      const { purged } = await this.jsm.streams.purge(this.names.deadLetterStream, { filter: this.names.deadLetterFilter(filter.topic) });
      return purged;
    });
  }

  /** The letters matching `filter`, oldest first; those past `ttlMs` are deleted on the way. */
  private async *scan(filter: DeadLetterFilter): AsyncGenerator<StoredLetter> {
    const cutoff = Date.now() - this.context.deadLetters.ttlMs;
    const subject = this.names.deadLetterFilter(filter.topic);
    let expired = 0;
    try {
      for (let seq = 1; ; ) {
        const message: StoredMsg | null = await this.jsm.direct.getMessage(this.names.deadLetterStream, { seq, next_by_subj: subject });
        if (message === null) return;
        seq = message.seq + 1;
        const letter = this.mapping.decodeLetter(
          { subject: message.subject, data: message.data, headers: message.header },
          { id: `nats-dead-${message.seq}`, timestamp: message.time.getTime(), kind: 'event', topic: this.names.topicOfDeadLetter(message.subject) },
        );
        if (letter.deadLetteredAt <= cutoff) {
          if (await this.remove(message.seq)) expired += 1;
          continue;
        }
        yield { seq: message.seq, letter };
      }
    } finally {
      this.dropped(expired);
    }
  }

  private async remove(seq: number): Promise<boolean> {
    try {
      return await this.jsm.streams.deleteMessage(this.names.deadLetterStream, seq, false);
    } catch {
      // Deleted meanwhile by another instance.
      return false;
    }
  }

  private dropped(count: number): void {
    if (count > 0) this.context.onDeadLettersDropped(count);
  }

  private guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work).catch((error: unknown) => {
      throw natsError(this.scrubber, `Could not ${what}`, error);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}
