import type { Channel, ConsumeMessage } from 'amqplib';
import { quoted } from '../../messages/inbound.js';
import type { Binding, BusLogger, Consumer, DeliveryHandler, GroupSubscription } from '../contract/transport.js';
import { AmqpTransportError } from '../shared/transport.error.js';
import type { ConsumerDeps } from './amqp-consumer.js';
import type { AmqpLink } from './amqp-link.js';
import type { AmqpNames } from './amqp-names.js';
import { amqpCodeOf } from './amqp.error.js';
import { ChannelKeeper } from './channel-keeper.js';
import type { OutgoingMessage } from './envelope-mapping.js';

// The presence queue outlives its last consumer by this long, then the broker deletes it.
const PRESENCE_IDLE_MS = 60_000;
const ignore = (): void => undefined;

/** Declares the realtime exchange and the presence queue; idempotent. */
async function declareRealtime(channel: Channel, names: AmqpNames): Promise<void> {
  await channel.assertExchange(names.realtime, 'topic', { durable: false });
  await presence(channel, names);
}

/** Declares the presence queue; its consumer count is the number of instances with realtime handlers. */
async function presence(channel: Channel, names: AmqpNames): Promise<number> {
  const declared = await channel.assertQueue(names.realtimePresence, { durable: false, arguments: { 'x-expires': PRESENCE_IDLE_MS } });
  return declared.consumerCount;
}

/**
 * Publishes realtime events on a plain channel of its own (no confirms), opened with the first
 * one: transient, not mandatory, to the non-durable `<exchange>.realtime` topic exchange. At
 * most once: a message the broker does not take is lost, nothing waits for it or sends it again.
 */
export class RealtimePublisher {
  private readonly keeper: ChannelKeeper<Channel>;
  private started?: Promise<unknown>;

  constructor(
    private readonly link: AmqpLink,
    private readonly names: AmqpNames,
    private readonly timeoutMs: number,
    logger: BusLogger,
  ) {
    this.keeper = new ChannelKeeper(
      link,
      { name: 'realtime publish', open: (model) => model.createChannel(), prepare: (channel) => declareRealtime(channel, names) },
      logger,
    );
  }

  /**
   * Publishes, then resolves with the consumer count of the presence queue, declared on the same
   * channel right after: the instances with realtime handlers when the broker routed the message.
   */
  async publish(topic: string, message: OutgoingMessage): Promise<number> {
    try {
      // The first publish opens the channel; the keeper reopens it from then on.
      this.started ??= this.keeper.start().catch((error: unknown) => {
        this.started = undefined;
        throw error;
      });
      await this.started;
      const channel = await this.keeper.ready(this.timeoutMs);
      channel.publish(this.names.realtime, topic, message.content, { ...message.options, persistent: false, mandatory: false });
      return await presence(channel, this.names);
    } catch (error) {
      if (error instanceof AmqpTransportError) throw error;
      throw new AmqpTransportError(`Publishing ${quoted(topic)} in real time failed: ${this.link.describe(error)}`, amqpCodeOf(error));
    }
  }

  close(): Promise<void> {
    return this.keeper.close();
  }
}

/**
 * One instance's realtime handlers on a channel of their own: a non-durable, exclusive,
 * auto-delete queue bound to the realtime exchange with their patterns, consumed without acks,
 * and a consumer of the presence queue that makes this instance counted. Both come back with
 * the channel after a reconnect; what was published meanwhile is lost (at most once).
 */
export class AmqpRealtimeConsumer implements Consumer {
  private readonly patterns = new Set<string>();
  private readonly keeper: ChannelKeeper<Channel>;
  private readonly queue: string;
  private readonly group: string;
  private readonly exclusive: boolean;

  constructor(
    private readonly deps: ConsumerDeps,
    subscription: GroupSubscription,
    private readonly handler: DeliveryHandler,
    private readonly timeoutMs: number,
  ) {
    this.group = subscription.group;
    this.exclusive = subscription.exclusive;
    this.queue = deps.names.groupQueue(subscription.group);
    for (const binding of subscription.bindings) if (binding.kind === 'event') this.patterns.add(binding.pattern);
    this.keeper = new ChannelKeeper(
      deps.link,
      { name: `realtime ${this.queue}`, open: (model) => model.createChannel(), prepare: (channel) => this.prepare(channel) },
      deps.logger,
    );
  }

  /** Declares the queue and its bindings and starts consuming; rejects with the broker's refusal. */
  async start(): Promise<void> {
    await this.deps.deadLetters.track(this.group, this.exclusive);
    await this.keeper.start();
  }

  bind(binding: Binding): Promise<void> | void {
    if (binding.kind !== 'event' || this.patterns.has(binding.pattern)) return;
    this.patterns.add(binding.pattern);
    return this.change((channel) => channel.bindQueue(this.queue, this.deps.names.realtime, binding.pattern));
  }

  unbind(binding: Binding): Promise<void> | void {
    if (!this.patterns.delete(binding.pattern)) return;
    return this.change((channel) => channel.unbindQueue(this.queue, this.deps.names.realtime, binding.pattern));
  }

  /** Closes the channel: the broker deletes the queue and stops counting this instance. */
  stop(): Promise<void> {
    return this.keeper.close();
  }

  private change(operation: (channel: Channel) => Promise<unknown>): Promise<void> {
    // A channel being (re)opened binds every pattern itself; binding again is harmless.
    const changed = this.keeper.ready(this.timeoutMs).then(operation).then(ignore, (error: unknown) => {
      throw new AmqpTransportError(`Changing the bindings of "${this.queue}" failed: ${this.deps.link.describe(error)}`, amqpCodeOf(error));
    });
    this.deps.track(changed);
    return changed;
  }

  private async prepare(channel: Channel): Promise<void> {
    const { names } = this.deps;
    await declareRealtime(channel, names);
    await channel.assertQueue(this.queue, { exclusive: true, durable: false, autoDelete: true });
    for (const pattern of this.patterns) await channel.bindQueue(this.queue, names.realtime, pattern);
    await channel.consume(this.queue, (message) => this.receive(channel, message), { noAck: true });
    await channel.consume(names.realtimePresence, ignore, { noAck: true });
  }

  private receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The queue was deleted under the consumer: reopening declares it again.
      this.deps.logger.warn(`RabbitMQ cancelled the consumer of ${this.queue}; declaring and consuming it again`);
      void channel.close().catch(ignore);
      return;
    }
    const decoded = this.deps.mapping.decode(message);
    if (!decoded.ok) {
      this.deps.logger.warn(`Undecodable realtime message on ${this.queue} (routing key ${quoted(message.fields.routingKey)}) dead-lettered: ${decoded.error.message}`);
      const letter = { envelope: decoded.envelope, reason: 'UNDECODABLE' as const, error: { message: decoded.error.message, code: 'UNDECODABLE' }, group: this.group };
      void this.deps.transportLetters.write(letter, { ack: ignore, release: ignore });
      return;
    }
    const { envelope } = decoded;
    // Nothing to acknowledge: a delivery refused or failed is gone.
    void Promise.resolve()
      .then(() => this.handler({ envelope, group: this.group, ack: ignore }))
      .catch((error: unknown) => this.deps.logger.warn(`Realtime delivery of ${envelope.topic} failed: ${(error as Error).message}`));
  }
}
