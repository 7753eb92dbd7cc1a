import type { Channel } from 'amqplib';
import type { MessageKind } from '../../messages/envelope.js';
import { DuplicateHandlerError } from '../../messages/errors.js';
import type { Binding, BusLogger } from '../contract/transport.js';
import type { AmqpLink } from './amqp-link.js';
import { DELAY_QUEUE_HEADER, type AmqpNames, type DelayTarget } from './amqp-names.js';
import { AmqpTransportError } from '../shared/transport.error.js';
import { amqpCodeOf } from './amqp.error.js';
import { ChannelKeeper } from './channel-keeper.js';

const PRECONDITION_FAILED = 406;
// A delay queue lives this long past its delay once nobody redeclares it; it is redeclared
// before use when older than half of that, so no queue can expire with a message inside.
const DELAY_QUEUE_IDLE_MS = 10 * 60_000;

/**
 * Declares the bus's exchanges, queues and bindings on a channel of its own, so that a refused
 * declaration (a queue that exists with other arguments, a topic another group owns) closes
 * only this channel, never a consumer's or the publisher's.
 */
export class AmqpTopology {
  private readonly keeper: ChannelKeeper<Channel>;
  private readonly delayQueues = new Map<string, { declaredAt: number; declared: Promise<void> }>();

  constructor(
    private readonly link: AmqpLink,
    private readonly names: AmqpNames,
    private readonly priorityLevels: number,
    private readonly timeoutMs: number,
    logger: BusLogger,
  ) {
    this.keeper = new ChannelKeeper(
      link,
      {
        name: 'topology',
        open: (model) => model.createChannel(),
        prepare: (channel) => this.declareExchanges(channel),
        // After a reconnect the broker may have restarted, and delay queues may have expired.
        opened: () => this.delayQueues.clear(),
      },
      logger,
    );
  }

  async start(): Promise<void> {
    try {
      await this.keeper.start();
    } catch (error) {
      throw new AmqpTransportError(`Declaring the exchanges of "${this.names.events}" failed: ${this.link.describe(error)}`, amqpCodeOf(error));
    }
  }

  close(): Promise<void> {
    return this.keeper.close();
  }

  /** Declares a group's queue (exclusive ones die with the connection); returns its name. */
  async declareGroupQueue(group: string, exclusive: boolean, deadLetterGroup: string): Promise<string> {
    const queue = this.names.groupQueue(group);
    const args: Record<string, unknown> = {
      // What the broker itself rejects or expires (a policy's TTL or length limit) lands in the dead letters too.
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': this.names.deadLetterQueue(deadLetterGroup),
    };
    if (this.priorityLevels > 1) args['x-max-priority'] = this.priorityLevels - 1;
    const options = exclusive
      ? { exclusive: true, durable: false, autoDelete: true, arguments: args }
      : { durable: true, arguments: args };
    await this.run(`Declaring queue "${queue}"`, (channel) => channel.assertQueue(queue, options));
    return queue;
  }

  async declareDeadLetterQueue(group: string): Promise<string> {
    const queue = this.names.deadLetterQueue(group);
    await this.run(`Declaring queue "${queue}"`, (channel) => channel.assertQueue(queue, { durable: true }));
    return queue;
  }

  async bind(queue: string, binding: Binding): Promise<void> {
    const exchange = this.names.exchangeOf(binding.kind);
    await this.run(`Binding "${queue}" to "${exchange}" with "${binding.pattern}"`, (channel) =>
      channel.bindQueue(queue, exchange, binding.pattern),
    );
  }

  async unbind(queue: string, binding: Binding): Promise<void> {
    const exchange = this.names.exchangeOf(binding.kind);
    await this.run(`Unbinding "${queue}" from "${exchange}" with "${binding.pattern}"`, (channel) =>
      channel.unbindQueue(queue, exchange, binding.pattern),
    );
  }

  /**
   * Makes `group` the one owner of a command or query topic. The owner is written into the
   * arguments of a marker queue: the broker refuses a declaration naming another group, which
   * makes the claim atomic across processes.
   */
  async claim(kind: MessageKind, topic: string, group: string): Promise<void> {
    const marker = this.names.ownerQueue(kind, topic);
    const options = { durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': group } };
    try {
      await this.run(`Claiming ${kind} "${topic}"`, (channel) => channel.assertQueue(marker, options));
    } catch (error) {
      if (!(error instanceof AmqpTransportError) || error.amqpCode !== PRECONDITION_FAILED) throw error;
      const owner = /current is the value '([^']*)'|current is '([^']*)'/.exec(error.message);
      const existing = owner ? `group ${owner[1] ?? owner[2]}` : `another group (marker queue "${marker}")`;
      throw new DuplicateHandlerError(topic, existing, `group ${group}`);
    }
  }

  async release(kind: MessageKind, topic: string): Promise<void> {
    const marker = this.names.ownerQueue(kind, topic);
    await this.run(`Releasing ${kind} "${topic}"`, (channel) => channel.deleteQueue(marker));
  }

  /** Makes sure the delay queue exists; returns the header that routes a message into it. */
  async delayQueue(delayMs: number, target: DelayTarget): Promise<Record<string, string>> {
    const queue = this.names.delayQueue(delayMs, target);
    const cached = this.delayQueues.get(queue);
    if (cached === undefined || Date.now() - cached.declaredAt > DELAY_QUEUE_IDLE_MS / 2) {
      const declared = this.declareDelayQueue(queue, delayMs, target);
      this.delayQueues.set(queue, { declaredAt: Date.now(), declared });
      declared.catch(() => this.delayQueues.delete(queue));
      await declared;
    } else {
      await cached.declared;
    }
    return { [DELAY_QUEUE_HEADER]: queue };
  }

  /** Forgets a delay queue that turned out to be gone (a delayed message came back unroutable). */
  forgetDelayQueue(delayMs: number, target: DelayTarget): void {
    this.delayQueues.delete(this.names.delayQueue(delayMs, target));
  }

  /** Round trip to the broker, in ms. */
  async ping(): Promise<number> {
    const began = performance.now();
    await this.run('Ping', (channel) => channel.checkExchange(this.names.events));
    return performance.now() - began;
  }

  private async declareExchanges(channel: Channel): Promise<void> {
    const { names } = this;
    await Promise.all([
      channel.assertExchange(names.events, 'topic', { durable: true }),
      channel.assertExchange(names.commands, 'direct', { durable: true }),
      channel.assertExchange(names.queries, 'direct', { durable: true }),
      channel.assertExchange(names.delay, 'headers', { durable: true }),
    ]);
  }

  private async declareDelayQueue(queue: string, delayMs: number, target: DelayTarget): Promise<void> {
    // Expired messages go back where they were headed: a group queue through the default
    // exchange (their routing key is that queue's name), or a kind's exchange by topic.
    const deadLetterExchange = target === 'queue' ? '' : this.names.exchangeOf(target);
    await this.run(`Declaring delay queue "${queue}"`, async (channel) => {
      await channel.assertQueue(queue, {
        durable: true,
        arguments: { 'x-message-ttl': delayMs, 'x-expires': delayMs + DELAY_QUEUE_IDLE_MS, 'x-dead-letter-exchange': deadLetterExchange },
      });
      await channel.bindQueue(queue, this.names.delay, '', { 'x-match': 'all', [DELAY_QUEUE_HEADER]: queue });
    });
  }

  private async run<T>(what: string, operation: (channel: Channel) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const channel = await this.keeper.ready(this.timeoutMs);
      try {
        return await operation(channel);
      } catch (error) {
        const code = amqpCodeOf(error);
        // No reply code: the channel died under this operation (another one's fault, or the
        // connection's), not because of it; it runs again on the reopened channel.
        if (code === undefined && attempt < 3) continue;
        throw new AmqpTransportError(`${what} failed: ${this.link.describe(error)}`, code);
      }
    }
  }
}
