import type { Message } from 'amqplib';
import type { Envelope } from '../../messages/envelope.js';
import type {
  Consumer,
  DeliveryHandler,
  GroupSubscription,
  Reply,
  TransportConnection,
  TransportContext,
} from '../contract/transport.js';
import { AmqpConsumer, type ConsumerDeps } from './amqp-consumer.js';
import { AmqpDeadLetterStore } from './amqp-dead-letter.store.js';
import { AmqpLink } from './amqp-link.js';
import { AmqpNames, delayBucket, type DelayTarget } from './amqp-names.js';
import type { ResolvedAmqpOptions } from './amqp.options.js';
import { AmqpPublisher, DIRECT_REPLY_TO } from './amqp-publisher.js';
import { AmqpRealtimeConsumer, RealtimePublisher } from './amqp-realtime.js';
import { AmqpTopology } from './amqp-topology.js';
import { AmqpTransportError } from '../shared/transport.error.js';
import { showOnly } from '../shared/credentials.js';
import { DeadLetterWriter } from '../contract/dead-letter-writer.js';
import { EnvelopeMapping, type OutgoingMessage } from './envelope-mapping.js';

const routedCount = (routed: boolean): number => (routed ? 1 : 0);
const ignore = (): void => undefined;

interface Parts {
  link: AmqpLink;
  names: AmqpNames;
  mapping: EnvelopeMapping;
  topology: AmqpTopology;
  publisher: AmqpPublisher;
  realtime: RealtimePublisher;
  deadLetters: AmqpDeadLetterStore;
}

/**
 * One bus instance on RabbitMQ: one connection with a channel each for publishing (confirms and
 * direct reply-to), declaring, browsing dead letters, and consuming each group.
 */
export class AmqpConnection implements TransportConnection {
  readonly replyAddress = DIRECT_REPLY_TO;
  readonly deadLetters: AmqpDeadLetterStore;
  private readonly consumers = new Set<AmqpConsumer>();
  private readonly realtimeConsumers = new Set<AmqpRealtimeConsumer>();
  // Binding changes in progress: a publish made after one was requested waits for it, so the
  // very next message is routed by it (the broker orders nothing across channels).
  private readonly topologyChanges = new Set<Promise<void>>();
  private readonly consumerDeps: ConsumerDeps;
  private closing?: Promise<void>;

  private constructor(
    private readonly parts: Parts,
    private readonly options: ResolvedAmqpOptions,
    private readonly context: TransportContext,
  ) {
    this.deadLetters = parts.deadLetters;
    this.consumerDeps = {
      link: parts.link,
      topology: parts.topology,
      mapping: parts.mapping,
      names: parts.names,
      deadLetters: parts.deadLetters,
      transportLetters: new DeadLetterWriter({
        store: () => parts.deadLetters,
        stored: (letter) => context.onDeadLettered(letter),
        failed: (letter, error) => context.onDeadLetterFailed(letter, error),
        logger: context.logger,
        describe: (error) => parts.link.describe(error),
      }),
      prefetch: options.prefetch ?? Math.min(65_535, Math.max(200, context.concurrency * 2)),
      logger: context.logger,
      staleAck: () => context.onStaleAck(),
      track: (change) => this.track(change),
      requeue: (group, envelope) => this.schedule(group, envelope, 0),
      reply: (address, reply) => this.reply(address, reply),
    };
    // The amqplib connection below keeps what it was opened with.
    showOnly(this, () => `AmqpConnection { url: '${options.maskedUrl}', instanceId: '${context.instanceId}' }`);
  }

  /** Connects, declares the exchanges and starts the publisher; closes everything again on failure. */
  static async open(options: ResolvedAmqpOptions, context: TransportContext): Promise<AmqpConnection> {
    const { logger } = context;
    const names = new AmqpNames(options.exchange, options.queuePrefix);
    const mapping = new EnvelopeMapping(context.codecs, names, options.priorityLevels, options.defaultMaxAttempts ?? context.maxAttempts, {
      maxPayloadBytes: context.maxPayloadBytes,
      maxPayloadDepth: options.maxPayloadDepth,
    });
    const link = await AmqpLink.open(options, `${context.serviceName}.${context.instanceId}`, logger);
    try {
      const topology = new AmqpTopology(link, names, options.priorityLevels, options.publishTimeoutMs, logger);
      await topology.start();
      const onReply = (message: Message): void => {
        const reply = mapping.decodeReply(message);
        if (reply) context.onReply(reply);
        else logger.warn('Ignored a message on direct reply-to that is not a bus reply');
      };
      const publisher = new AmqpPublisher(link, options.publishTimeoutMs, onReply, logger);
      await publisher.start();
      const deadLetters = new AmqpDeadLetterStore({ link, topology, publisher, mapping, names, context, timeoutMs: options.publishTimeoutMs, logger });
      await deadLetters.start();
      logger.log(`Connected to RabbitMQ at ${options.maskedUrl} (exchange "${options.exchange}")`);
      const realtime = new RealtimePublisher(link, names, options.publishTimeoutMs, logger);
      return new AmqpConnection({ link, names, mapping, topology, publisher, realtime, deadLetters }, options, context);
    } catch (error) {
      await link.close();
      throw error;
    }
  }

  publish(envelope: Envelope, delayMs = 0): Promise<number> {
    const message = this.parts.mapping.encode(envelope);
    if (this.topologyChanges.size > 0) {
      return Promise.all(this.topologyChanges).then(() => this.route(envelope, message, delayMs));
    }
    return this.route(envelope, message, delayMs);
  }

  /** At most once, on the realtime exchange; resolves how many instances have realtime handlers (see amqp-realtime.ts). */
  publishRealtime(envelope: Envelope): Promise<number> {
    const message = this.parts.mapping.encode(envelope);
    const published = (): Promise<number> => this.parts.realtime.publish(envelope.topic, message);
    return this.topologyChanges.size > 0 ? Promise.all(this.topologyChanges).then(published) : published();
  }

  consume(subscription: GroupSubscription, handler: DeliveryHandler): Promise<Consumer> {
    if (subscription.realtime === true) {
      const realtime = new AmqpRealtimeConsumer(this.consumerDeps, subscription, handler, this.options.publishTimeoutMs);
      return this.startConsumer(realtime, this.realtimeConsumers, () => realtime.stop());
    }
    const consumer = new AmqpConsumer(this.consumerDeps, subscription, handler);
    return this.startConsumer(consumer, this.consumers, () => consumer.close());
  }

  async schedule(group: string, envelope: Envelope, delayMs: number): Promise<void> {
    // A retry or replay of an accepted message: a limit lowered since must not lose it.
    const message = this.parts.mapping.encode(envelope, false);
    const queue = this.parts.names.groupQueue(group);
    if (delayMs > 0) return this.sendDelayed('queue', queue, message, delayMs);
    const routed = await this.parts.publisher.publish('', queue, message.content, message.options);
    if (!routed) throw new AmqpTransportError(`Cannot deliver to group ${group}: its queue "${queue}" does not exist`);
  }

  reply(address: string, reply: Reply): void {
    const { content, options } = this.parts.mapping.encodeReply(reply.requestId, reply.result);
    // Not awaited: the requester may be gone, and its timeout covers a lost answer.
    this.parts.publisher.publish('', address, content, options).catch((error: unknown) => {
      this.context.logger.warn(`Reply to ${reply.requestId} not sent: ${this.parts.link.describe(error)}`);
    });
  }

  ping(): Promise<number> {
    return this.parts.topology.ping();
  }

  /** Stops consuming, waits for handed-out deliveries to be acked and publishes to be confirmed, then disconnects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private route(envelope: Envelope, message: OutgoingMessage, delayMs: number): Promise<number> {
    const exchange = this.parts.names.exchangeOf(envelope.kind);
    // Whether a delayed message finds a handler is only known when it comes out of its delay queue.
    if (delayMs > 0) return this.sendDelayed(envelope.kind, envelope.topic, message, delayMs).then(() => 1);
    return this.parts.publisher.publish(exchange, envelope.topic, message.content, message.options).then(routedCount);
  }

  /** Through the delay exchange into the delay queue of its (rounded) delay, which dead-letters it onwards. */
  private async sendDelayed(target: DelayTarget, routingKey: string, message: OutgoingMessage, delayMs: number): Promise<void> {
    const { topology, publisher, names } = this.parts;
    const bucket = delayBucket(delayMs);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const route = await topology.delayQueue(bucket, target);
      const options = { ...message.options, headers: { ...message.options.headers, ...route } };
      if (await publisher.publish(names.delay, routingKey, message.content, options)) return;
      // The queue expired since it was declared here: declare it again.
      topology.forgetDelayQueue(bucket, target);
    }
    throw new AmqpTransportError(`The delay queue for ${bucket} ms is unroutable`);
  }

  /** Starts a consumer kept in `started`; on failure takes it out again and `discard`s it. */
  private async startConsumer<C extends AmqpConsumer | AmqpRealtimeConsumer>(consumer: C, started: Set<C>, discard: () => Promise<void>): Promise<C> {
    started.add(consumer);
    // A group added at runtime brings its first bindings: publishes wait for them too.
    const starting = consumer.start();
    this.track(starting);
    try {
      await starting;
    } catch (error) {
      started.delete(consumer);
      await discard();
      throw error;
    }
    return consumer;
  }

  private track(change: Promise<unknown>): void {
    const settled = change.then(ignore, ignore);
    this.topologyChanges.add(settled);
    void settled.then(() => this.topologyChanges.delete(settled));
  }

  private async shutdown(): Promise<void> {
    const { link, topology, publisher, realtime, deadLetters } = this.parts;
    const consumers = [...this.consumers];
    await Promise.all([...this.realtimeConsumers].map((consumer) => consumer.stop()));
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await Promise.all(consumers.map((consumer) => consumer.drained(this.options.closeTimeoutMs)));
    await publisher.close(this.options.closeTimeoutMs);
    await realtime.close();
    await Promise.all(consumers.map((consumer) => consumer.close()));
    await deadLetters.close();
    await topology.close();
    await link.close();
    this.context.logger.log(`Disconnected from RabbitMQ at ${this.options.maskedUrl}`);
  }
}
