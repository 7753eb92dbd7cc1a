import type { Envelope } from '../../messages/envelope.js';
import { quoted } from '../../messages/inbound.js';
import { TopicTrie } from '../../routing/topic-trie.js';
import type { Binding, Consumer, DeliveryHandler, GroupSubscription, TransportContext } from '../contract/transport.js';
import type { RedisClient } from './redis-clients.js';
import { decodeEntry, netstrings, parseNetstrings, undecodableEntryEnvelope, type EntryDecoding, type EntryFields } from './stream-entry.js';
import type { DeadLetterWriter } from '../contract/dead-letter-writer.js';

/** One instance's realtime handlers as a consumer: the patterns it takes, matched here. */
class RealtimeConsumer implements Consumer {
  readonly patterns = new TopicTrie<true>();
  private readonly bound = new Set<string>();

  constructor(
    private readonly hub: RealtimeHub,
    readonly group: string,
    readonly handler: DeliveryHandler,
  ) {}

  bind(binding: Binding): void {
    if (binding.kind !== 'event' || this.bound.has(binding.pattern)) return;
    this.bound.add(binding.pattern);
    this.patterns.add(binding.pattern, true);
  }

  unbind(binding: Binding): void {
    if (this.bound.delete(binding.pattern)) this.patterns.remove(binding.pattern, true);
  }

  stop(): Promise<void> {
    return this.hub.remove(this);
  }
}

/**
 * Realtime delivery on Redis pub/sub: `PUBLISH` of the entry fields (as netstrings) on the
 * topic's channel; an instance with realtime handlers holds one `PSUBSCRIBE` of every realtime
 * channel and hands each message to the handlers whose patterns match. At most once: a message
 * published while a subscriber is away is lost, nothing is retried. `PUBLISH` answers how many
 * instances received it.
 */
export class RealtimeHub {
  private readonly consumers = new Set<RealtimeConsumer>();
  private subscribed?: Promise<unknown>;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly client: RedisClient,
    /** The channel prefix; the channel of a topic is `prefix + topic`. */
    private readonly prefix: string,
    private readonly decoding: EntryDecoding,
    private readonly context: TransportContext,
    private readonly letters: DeadLetterWriter,
  ) {
    subscriber.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) => {
      if (pattern.toString() === `${this.prefix}*`) this.receive(channel.toString(), message);
    });
  }

  /** Publishes the entry fields of `envelope`; resolves how many instances received them. */
  async publish(envelope: Envelope, fields: EntryFields): Promise<number> {
    return this.client.publish(`${this.prefix}${envelope.topic}`, netstrings(fields));
  }

  async consume(subscription: GroupSubscription, handler: DeliveryHandler): Promise<Consumer> {
    const consumer = new RealtimeConsumer(this, subscription.group, handler);
    for (const binding of subscription.bindings) consumer.bind(binding);
    this.consumers.add(consumer);
    // ioredis subscribes again by itself after a reconnection.
    this.subscribed ??= this.subscriber.psubscribe(`${this.prefix}*`);
    try {
      await this.subscribed;
    } catch (error) {
      this.consumers.delete(consumer);
      this.subscribed = undefined;
      throw error;
    }
    return consumer;
  }

  async remove(consumer: RealtimeConsumer): Promise<void> {
    this.consumers.delete(consumer);
    if (this.consumers.size > 0 || this.subscribed === undefined) return;
    this.subscribed = undefined;
    await this.subscriber.punsubscribe(`${this.prefix}*`).catch(() => undefined);
  }

  private receive(channel: string, message: Buffer): void {
    const fields = parseNetstrings(message);
    const entryId = `${Date.now()}-0`;
    const decoded = fields === undefined || fields.length % 2 !== 0
      ? { ok: false as const, problem: 'not a realtime frame', raw: { frame: message.subarray(0, 1024).toString() } }
      : decodeEntry(entryId, fields, this.decoding);
    if (!decoded.ok) {
      this.context.logger.warn(`Undecodable realtime message on ${quoted(channel)} dead-lettered: ${decoded.problem}`);
      const envelope = undecodableEntryEnvelope(entryId, channel, decoded.raw);
      void this.letters.write({ envelope, reason: 'UNDECODABLE', error: { message: decoded.problem, code: 'UNDECODABLE' } }, { ack: () => undefined, release: () => undefined });
      return;
    }
    const { envelope } = decoded;
    for (const consumer of this.consumers) {
      if (consumer.patterns.match(envelope.topic).length === 0) continue;
      const delivery = { envelope, group: consumer.group, ack: () => undefined };
      void Promise.resolve(consumer.handler(delivery)).catch((error: unknown) => {
        this.context.logger.warn(`Realtime delivery of ${envelope.topic} failed: ${(error as Error).message}`);
      });
    }
  }
}
