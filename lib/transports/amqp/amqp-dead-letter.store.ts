import type { Channel } from 'amqplib';
import type { DeadLetter, DeadLetterFilter } from '../../messages/dead-letter.js';
import type { BusLogger, DeadLetterStore, TransportContext } from '../contract/transport.js';
import type { AmqpLink } from './amqp-link.js';
import type { AmqpNames } from './amqp-names.js';
import type { AmqpPublisher } from './amqp-publisher.js';
import type { AmqpTopology } from './amqp-topology.js';
import { AmqpTransportError } from '../shared/transport.error.js';
import { ChannelKeeper } from './channel-keeper.js';
import { decodeDeadLetter, encodeDeadLetter } from './dead-letter-mapping.js';
import type { EnvelopeMapping } from './envelope-mapping.js';

type Verdict = 'keep' | 'take' | 'keep-and-stop';

const REQUEUE_POLLS = 200;
const REQUEUE_POLL_MS = 2;

export interface DeadLetterStoreDeps {
  link: AmqpLink;
  topology: AmqpTopology;
  publisher: AmqpPublisher;
  mapping: EnvelopeMapping;
  names: AmqpNames;
  context: TransportContext;
  timeoutMs: number;
  logger: BusLogger;
}

/**
 * Dead letters in one durable queue per group (`<prefix>.<group>.dead`), oldest first. Letters
 * of an instance's exclusive group go to its service's queue, which outlives the instance.
 *
 * A queue can only be read from its head, so `list`, `take` and filtered `count`/`purge`
 * browse: basic.get every message unacknowledged, then ack what is taken and nack-requeue the
 * rest, which the broker puts back in place. That costs a round trip per letter; an unfiltered
 * `count` or `purge` is one call per queue. `maxSize` is enforced per queue after each add;
 * letters older than `ttlMs` are dropped when a browse meets them or at the head on `count`.
 */
export class AmqpDeadLetterStore implements DeadLetterStore {
  private readonly channelKeeper: ChannelKeeper<Channel>;
  // Group -> the group whose queue holds its letters (itself, or the service's for exclusive groups).
  private readonly groups = new Map<string, string>();
  // Operations run one at a time: a browse must not see another one's unacked messages vanish.
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DeadLetterStoreDeps) {
    this.channelKeeper = new ChannelKeeper(deps.link, { name: 'dead-letters', open: (model) => model.createChannel() }, deps.logger);
    this.groups.set(deps.context.serviceName, deps.context.serviceName);
  }

  async start(): Promise<void> {
    await this.deps.topology.declareDeadLetterQueue(this.deps.context.serviceName);
    await this.channelKeeper.start();
  }

  close(): Promise<void> {
    return this.channelKeeper.close();
  }

  /** Makes the letters of `group` go to (and be read from) its own queue, or the service's when exclusive. */
  async track(group: string, exclusive: boolean): Promise<void> {
    if (this.groups.has(group)) return;
    const holder = exclusive ? this.deps.context.serviceName : group;
    if (!exclusive) await this.deps.topology.declareDeadLetterQueue(group);
    this.groups.set(group, holder);
  }

  /** The group whose dead-letter queue holds the letters of `group`. */
  holderOf(group: string | undefined): string {
    return (group !== undefined && this.groups.get(group)) || this.deps.context.serviceName;
  }

  add(letter: DeadLetter): Promise<void> {
    return this.exclusive(async () => {
      const { context, publisher, mapping, topology } = this.deps;
      if (context.deadLetters.maxSize === 0) {
        context.onDeadLettersDropped(1);
        return;
      }
      const holder = this.holderOf(letter.group);
      const queue = this.queueOf(holder);
      const { content, options } = encodeDeadLetter(mapping, letter);
      if (!(await publisher.publish('', queue, content, options))) {
        // Someone deleted the queue: declare it again rather than lose the letter.
        await topology.declareDeadLetterQueue(holder);
        if (!(await publisher.publish('', queue, content, options))) {
          throw new AmqpTransportError(`Dead letter ${letter.id} could not be stored: queue "${queue}" is unroutable`);
        }
      }
      await this.trim(queue);
    });
  }

  list(filter: DeadLetterFilter & { limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = filter.limit ?? Infinity;
    return this.exclusive(async () => {
      const letters: DeadLetter[] = [];
      for (const holder of this.holders()) {
        let found = 0;
        await this.browse(holder, (letter) => {
          if (!matches(letter, filter)) return 'keep';
          letters.push(letter);
          return ++found >= limit ? 'keep-and-stop' : 'keep';
        });
      }
      return letters.sort((a, b) => a.deadLetteredAt - b.deadLetteredAt).slice(0, limit);
    });
  }

  count(filter: DeadLetterFilter = {}): Promise<number> {
    return this.exclusive(async () => {
      let total = 0;
      for (const holder of this.holders()) {
        if (filter.topic === undefined) {
          total += await this.pruneHead(holder);
        } else {
          await this.browse(holder, (letter) => {
            if (matches(letter, filter)) total += 1;
            return 'keep';
          });
        }
      }
      return total;
    });
  }

  take(selector: string | DeadLetterFilter): Promise<DeadLetter[]> {
    return this.exclusive(async () => {
      const taken: DeadLetter[] = [];
      for (const holder of this.holders()) {
        await this.browse(holder, (letter) => {
          if (typeof selector === 'string') {
            if (letter.id !== selector) return 'keep';
            taken.push(letter);
            return 'take';
          }
          if (!matches(letter, selector)) return 'keep';
          taken.push(letter);
          return 'take';
        });
        if (typeof selector === 'string' && taken.length > 0) break;
      }
      return taken.sort((a, b) => a.deadLetteredAt - b.deadLetteredAt);
    });
  }

  async purge(filter: DeadLetterFilter = {}): Promise<number> {
    if (filter.topic !== undefined) return (await this.take(filter)).length;
    return this.exclusive(async () => {
      let purged = 0;
      for (const holder of this.holders()) {
        const channel = await this.channel();
        purged += (await channel.purgeQueue(this.queueOf(holder))).messageCount;
      }
      return purged;
    });
  }

  private queueOf(holder: string): string {
    return this.deps.names.deadLetterQueue(holder);
  }

  private holders(): string[] {
    return [...new Set(this.groups.values())];
  }

  private channel(): Promise<Channel> {
    return this.channelKeeper.ready(this.deps.timeoutMs);
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.tail.then(operation, operation);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Visits the letters of one queue oldest first, dropping those past `ttlMs`. */
  private async browse(holder: string, visit: (letter: DeadLetter) => Verdict): Promise<void> {
    const queue = this.queueOf(holder);
    const channel = await this.channel();
    const cutoff = Date.now() - this.deps.context.deadLetters.ttlMs;
    // Letters added meanwhile queue up behind: stop at the count seen at the start.
    const { messageCount } = await channel.checkQueue(queue);
    let removed = 0;
    let expired = 0;
    try {
      for (let seen = 0; seen < messageCount; seen++) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        const letter = decodeDeadLetter(this.deps.mapping, message, holder);
        if (letter.deadLetteredAt <= cutoff) {
          channel.ack(message);
          expired += 1;
          continue;
        }
        const verdict = visit(letter);
        if (verdict === 'take') {
          channel.ack(message);
          removed += 1;
        }
        if (verdict === 'keep-and-stop') break;
      }
    } finally {
      if (expired > 0) this.deps.context.onDeadLettersDropped(expired);
    }
    if (this.channelKeeper.current !== channel) return;
    // Every message not acked goes back where it was.
    channel.nackAll(true);
    await this.requeued(channel, queue, messageCount - removed - expired);
  }

  /** Drops the letters past `ttlMs` at the head of a queue; resolves how many remain. */
  private async pruneHead(holder: string): Promise<number> {
    const queue = this.queueOf(holder);
    const channel = await this.channel();
    const cutoff = Date.now() - this.deps.context.deadLetters.ttlMs;
    const { messageCount } = await channel.checkQueue(queue);
    let expired = 0;
    for (; expired < messageCount; expired++) {
      const message = await channel.get(queue, { noAck: false });
      if (message === false) break;
      if (decodeDeadLetter(this.deps.mapping, message, holder).deadLetteredAt > cutoff) {
        channel.nack(message, false, true);
        break;
      }
      channel.ack(message);
    }
    if (expired > 0) this.deps.context.onDeadLettersDropped(expired);
    return this.requeued(channel, queue, messageCount - expired);
  }

  /**
   * The broker puts nacked messages back asynchronously: a count (or get) right after can miss
   * them. Waits, briefly, until the queue shows at least `expected` messages; a browse by
   * another process (whose messages are unacked for a while) ends the wait early.
   */
  private async requeued(channel: Channel, queue: string, expected: number): Promise<number> {
    let count = 0;
    for (let poll = 0; poll < REQUEUE_POLLS; poll++) {
      count = (await channel.checkQueue(queue)).messageCount;
      if (count >= expected) break;
      await new Promise((resolve) => setTimeout(resolve, REQUEUE_POLL_MS));
    }
    return count;
  }

  /** Drops the oldest letters beyond `maxSize`, reporting how many. */
  private async trim(queue: string): Promise<void> {
    const channel = await this.channel();
    const { messageCount } = await channel.checkQueue(queue);
    let dropped = 0;
    for (let excess = messageCount - this.deps.context.deadLetters.maxSize; excess > 0; excess--) {
      if ((await channel.get(queue, { noAck: true })) === false) break;
      dropped += 1;
    }
    if (dropped > 0) this.deps.context.onDeadLettersDropped(dropped);
  }
}

function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  return filter.topic === undefined || letter.envelope.topic === filter.topic;
}
