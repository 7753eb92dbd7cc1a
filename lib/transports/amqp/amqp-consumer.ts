import type { Channel, ConsumeMessage } from 'amqplib';
import { Fifo } from '../../primitives/fifo.js';
import { bindingKey, type Envelope } from '../../messages/envelope.js';
import { DuplicateHandlerError } from '../../messages/errors.js';
import { quoted } from '../../messages/inbound.js';
import { failure } from '../../messages/results.js';
import type { Binding, BusLogger, Consumer, Delivery, DeliveryHandler, GroupSubscription, Reply } from '../contract/transport.js';
import { InFlightLatch } from '../shared/in-flight.js';
import type { DeadLetterWriter } from '../contract/dead-letter-writer.js';
import type { AmqpDeadLetterStore } from './amqp-dead-letter.store.js';
import type { AmqpLink } from './amqp-link.js';
import type { AmqpNames } from './amqp-names.js';
import type { AmqpTopology } from './amqp-topology.js';
import { ChannelKeeper } from './channel-keeper.js';
import type { EnvelopeMapping } from './envelope-mapping.js';

export interface ConsumerDeps {
  link: AmqpLink;
  topology: AmqpTopology;
  mapping: EnvelopeMapping;
  names: AmqpNames;
  deadLetters: AmqpDeadLetterStore;
  /** Writes the letters the transport makes itself. */
  transportLetters: DeadLetterWriter;
  prefetch: number;
  logger: BusLogger;
  /** Counts an ack or reject dropped because its delivery's channel is gone. */
  staleAck(): void;
  /** Makes the next publishes of this connection wait for a binding change to be in place. */
  track(change: Promise<unknown>): void;
  /** Publishes a message to the tail of a group's queue and resolves once the broker confirmed it. */
  requeue(group: string, envelope: Envelope): Promise<void>;
  /** Answers a requester. */
  reply(address: string, reply: Reply): void;
}

// A delivery the dispatcher refused (its queue full, backpressure 'reject-new') goes back to
// the broker after this pause, so an overloaded instance does not spin on redeliveries.
const REFUSED_REQUEUE_MS = 100;
// Acks wait for the end of the tick to go out as one `basic.ack multiple`, or go at once when this many wait.
const ACK_BATCH = 100;

class AmqpDelivery implements Delivery {
  constructor(
    readonly envelope: Envelope,
    readonly group: string,
    readonly message: ConsumeMessage,
    readonly channel: Channel,
    private readonly consumer: AmqpConsumer,
  ) {}

  /** Set once acked or rejected: a delivery is settled on the broker at most once. */
  settled = false;

  ack(): void {
    this.consumer.settle(this, 'ack');
  }

  // Rejected without requeue, the group queue's own dead-letter exchange keeps it.
  release(): void {
    this.consumer.settle(this, 'reject');
  }

  rawPayload(): Buffer {
    return this.message.content;
  }
}

/**
 * Consumes one group's queue on a channel of its own, with prefetch bounding what is in flight.
 * Each delivery is acked when the dispatcher settles it; after a reconnect the broker has put
 * back what was unacked, so acks for the old channel are dropped (the message comes again).
 */
export class AmqpConsumer implements Consumer {
  private readonly bindings = new Map<string, Binding>();
  // Command and query topics this consumer claimed, and so may release.
  private readonly claims = new Set<string>();
  private readonly keeper: ChannelKeeper<Channel>;
  private readonly queue: string;
  private readonly parked = new Fifo<AmqpDelivery>();
  // The channel deliveries come on; set before consuming, since the first ones can arrive (and
  // be acked) before the keeper reports the channel open.
  private channel?: Channel;
  private gate?: Promise<void>;
  private consumerTag?: string;
  private started = false;
  private stopped = false;
  private outstanding = 0;
  private readonly drainedLatch = new InFlightLatch();
  // Deliveries of the current channel not yet acked or rejected, by delivery tag, in arrival order.
  private readonly unsettled = new Map<number, ConsumeMessage>();
  // Acked by the dispatcher, not yet told to the broker.
  private ackable: ConsumeMessage[] = [];
  private ackFlush?: NodeJS.Immediate;

  constructor(
    private readonly deps: ConsumerDeps,
    private readonly subscription: GroupSubscription,
    private readonly handler: DeliveryHandler,
  ) {
    this.queue = deps.names.groupQueue(subscription.group);
    for (const binding of subscription.bindings) this.bindings.set(bindingKey(binding), binding);
    this.keeper = new ChannelKeeper(
      deps.link,
      {
        name: `consume ${this.queue}`,
        open: (model) => model.createChannel(),
        prepare: (channel) => this.prepare(channel),
        closed: () => this.channelLost(),
      },
      deps.logger,
    );
  }

  get group(): string {
    return this.subscription.group;
  }

  /** Declares the queue and its bindings and starts consuming; rejects with the broker's refusal. */
  async start(): Promise<void> {
    this.started = true;
    await this.deps.deadLetters.track(this.group, this.subscription.exclusive);
    await this.keeper.start();
  }

  bind(binding: Binding): Promise<void> | void {
    const key = bindingKey(binding);
    if (this.bindings.has(key)) return;
    this.bindings.set(key, binding);
    if (!this.started) return;
    const applied = this.apply(binding).catch((error: unknown) => {
      // A topic another group owns stays refused: do not claim it again on every reconnect.
      // Any other failure is retried when the channel is next prepared.
      if (error instanceof DuplicateHandlerError) this.bindings.delete(key);
      throw error;
    });
    this.deps.track(applied);
    return applied;
  }

  unbind(binding: Binding): Promise<void> | void {
    const key = bindingKey(binding);
    if (!this.bindings.delete(key)) return;
    if (!this.started) return;
    const removed = this.remove(binding, key);
    this.deps.track(removed);
    return removed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const tag = this.consumerTag;
    const channel = this.channel;
    this.consumerTag = undefined;
    if (tag === undefined || channel === undefined) return;
    await channel.cancel(tag).catch((error: unknown) => {
      this.deps.logger.warn(`Could not cancel the consumer of ${this.queue}: ${this.deps.link.describe(error)}`);
    });
  }

  /** Resolves once every handed-out delivery is acked (or its channel is gone), or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    if (this.outstanding === 0) return;
    await this.drainedLatch.wait(timeoutMs);
    if (this.outstanding > 0) {
      this.deps.logger.warn(`Closing ${this.queue} with ${this.outstanding} unacked delivery(ies): RabbitMQ will redeliver them`);
    }
  }

  close(): Promise<void> {
    this.stopped = true;
    this.flushAcks();
    return this.keeper.close();
  }

  /** @internal Acks, requeues or rejects a delivery on the channel it came from. */
  settle(delivery: AmqpDelivery, outcome: 'ack' | 'requeue' | 'reject'): void {
    if (delivery.settled) return;
    delivery.settled = true;
    // A delivery of a channel that is gone was requeued by the broker: acking its tag on the new
    // channel would close that one (PRECONDITION_FAILED - unknown delivery tag).
    if (delivery.channel !== this.channel) {
      this.deps.staleAck();
      return;
    }
    this.unsettled.delete(delivery.message.fields.deliveryTag);
    if (outcome === 'ack') {
      this.ackable.push(delivery.message);
      if (this.ackable.length >= ACK_BATCH) this.flushAcks();
      else this.ackFlush ??= setImmediate(() => this.flushAcks());
    } else {
      try {
        delivery.channel.nack(delivery.message, false, outcome === 'requeue');
      } catch {
        // The channel closed just now; the broker requeues the message.
      }
    }
    this.outstanding -= 1;
    if (this.outstanding === 0) this.drainedLatch.reachedZero();
  }

  /**
   * Tells the broker about the acks of this tick: every tag below the oldest delivery still in a
   * handler is settled, so one `ack multiple` covers those (rejects went out at once, before it);
   * the ones above it are acked one by one, so that a slow handler does not hold prefetch slots.
   */
  private flushAcks(): void {
    if (this.ackFlush !== undefined) clearImmediate(this.ackFlush);
    this.ackFlush = undefined;
    const channel = this.channel;
    const acks = this.ackable;
    this.ackable = [];
    if (channel === undefined || acks.length === 0) return;
    const oldest = this.unsettled.keys().next();
    const floor = oldest.done === true ? Infinity : oldest.value;
    let covering: ConsumeMessage | undefined;
    try {
      for (const message of acks) {
        const tag = message.fields.deliveryTag;
        if (tag > floor) channel.ack(message);
        else if (covering === undefined || tag > covering.fields.deliveryTag) covering = message;
      }
      if (covering !== undefined) channel.ack(covering, true);
    } catch {
      // The channel closed just now; the broker requeues what it had not been told.
    }
  }

  private async prepare(channel: Channel): Promise<void> {
    const { topology } = this.deps;
    await topology.declareGroupQueue(this.group, this.subscription.exclusive, this.deps.deadLetters.holderOf(this.group));
    for (const binding of this.bindings.values()) await this.apply(binding);
    await channel.prefetch(this.deps.prefetch);
    if (this.stopped) return;
    this.channel = channel;
    const { consumerTag } = await channel.consume(this.queue, (message) => this.receive(channel, message));
    if (this.stopped) await channel.cancel(consumerTag);
    else this.consumerTag = consumerTag;
  }

  private async apply(binding: Binding): Promise<void> {
    const { topology } = this.deps;
    const key = bindingKey(binding);
    if (binding.kind !== 'event' && !this.subscription.exclusive) {
      await topology.claim(binding.kind, binding.pattern, this.group);
      this.claims.add(key);
    }
    await topology.bind(this.queue, binding);
  }

  private async remove(binding: Binding, key: string): Promise<void> {
    const { topology } = this.deps;
    await topology.unbind(this.queue, binding);
    if (this.claims.delete(key)) await topology.release(binding.kind, binding.pattern);
  }

  private receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (its queue was deleted): reopening declares it again.
      this.deps.logger.warn(`RabbitMQ cancelled the consumer of ${this.queue}; declaring and consuming it again`);
      void channel.close().catch(() => undefined);
      return;
    }
    this.outstanding += 1;
    this.unsettled.set(message.fields.deliveryTag, message);
    const decoded = this.deps.mapping.decode(message);
    if (!decoded.ok) {
      void this.deadLetterUndecodable(channel, message, decoded.envelope, decoded.error);
      return;
    }
    if (message.fields.redelivered) {
      void this.countRedelivery(channel, message, decoded.envelope);
      return;
    }
    this.hand(new AmqpDelivery(decoded.envelope, this.group, message, channel, this));
  }

  private hand(delivery: AmqpDelivery): void {
    if (this.gate === undefined) this.offer(delivery);
    else this.parked.push(delivery);
  }

  /**
   * A redelivered message was handed to a consumer that died, lost its channel or closed before
   * acking it: that delivery counts as an attempt, as on Redis, so a message that kills its
   * consumers is dead-lettered after `maxAttempts` instead of looping. A classic queue keeps no
   * count, so the message goes back to the queue's tail with its attempt raised, confirmed,
   * before the original is acked; a crash between the two leaves both (a duplicate, never a loss).
   */
  private async countRedelivery(channel: Channel, message: ConsumeMessage, envelope: Envelope): Promise<void> {
    const counted = { ...envelope, attempt: envelope.attempt + 1 };
    const delivery = new AmqpDelivery(counted, this.group, message, channel, this);
    if (counted.attempt > counted.maxAttempts) return this.rejectExhausted(delivery);
    try {
      await this.deps.requeue(this.group, counted);
    } catch (error) {
      // Not counted on the broker: handled now, with the attempt it has.
      this.deps.logger.warn(`Could not requeue a redelivered message on ${this.queue} (${this.deps.link.describe(error)}); handling it now`);
      this.hand(delivery);
      return;
    }
    delivery.ack();
  }

  /** Dead-letters a message whose consumers died with it too often, and tells a waiting requester. */
  private async rejectExhausted(delivery: AmqpDelivery): Promise<void> {
    const { envelope } = delivery;
    const message = `Delivered ${envelope.attempt} times without being acknowledged: its consumers died or lost their channel`;
    await this.deps.transportLetters.write(
      { envelope, reason: 'ATTEMPTS_EXHAUSTED', error: { message, code: 'UNACKNOWLEDGED' }, group: this.group },
      { ack: () => delivery.ack(), release: () => delivery.release() },
    );
    if (envelope.replyTo !== undefined && envelope.kind !== 'event') {
      this.deps.reply(envelope.replyTo, { requestId: envelope.id, result: failure('HANDLER_ERROR', message) });
    }
  }

  /** Hands a delivery to the dispatcher; a promise back means "hold the next ones until it settles". */
  private offer(delivery: AmqpDelivery): void {
    let accepted: void | Promise<void>;
    try {
      accepted = this.handler(delivery);
    } catch (error) {
      this.deps.logger.warn(`${delivery.envelope.topic} refused (${(error as Error).message}); requeued in ${REFUSED_REQUEUE_MS} ms`);
      setTimeout(() => void this.putBack(delivery), REFUSED_REQUEUE_MS);
      return;
    }
    if (accepted instanceof Promise) {
      const gate: Promise<void> = accepted.then(() => {
        if (this.gate !== gate) return;
        this.gate = undefined;
        while (this.gate === undefined && this.parked.length > 0) this.offer(this.parked.shift() as AmqpDelivery);
      });
      this.gate = gate;
    }
  }

  /**
   * Requeues a delivery the dispatcher refused with its attempt unchanged: a refusal is no
   * attempt, and a broker requeue would come back flagged redelivered and be counted as one.
   */
  private async putBack(delivery: AmqpDelivery): Promise<void> {
    try {
      await this.deps.requeue(this.group, delivery.envelope);
      delivery.ack();
    } catch {
      this.settle(delivery, 'requeue');
    }
  }

  private async deadLetterUndecodable(channel: Channel, message: ConsumeMessage, envelope: Envelope, error: Error): Promise<void> {
    const delivery = new AmqpDelivery(envelope, this.group, message, channel, this);
    this.deps.logger.warn(`Undecodable message on ${this.queue} (routing key ${quoted(message.fields.routingKey)}): ${error.message}`);
    await this.deps.transportLetters.write(
      { envelope, reason: 'UNDECODABLE', error: { message: error.message, code: 'UNDECODABLE' }, group: this.group },
      { ack: () => delivery.ack(), release: () => delivery.release() },
    );
  }

  private channelLost(): void {
    this.channel = undefined;
    this.unsettled.clear();
    this.ackable = [];
    this.consumerTag = undefined;
    this.gate = undefined;
    while (this.parked.length > 0) this.parked.shift();
    this.outstanding = 0;
    this.drainedLatch.reachedZero();
  }
}
