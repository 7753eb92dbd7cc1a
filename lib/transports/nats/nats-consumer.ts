import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { DeadLetter } from '../../messages/dead-letter.js';
import { MESSAGE_KINDS, bindingKey, type Envelope, type MessageKind } from '../../messages/envelope.js';
import { DuplicateHandlerError, InvalidOptionsError } from '../../messages/errors.js';
import { quoted } from '../../messages/inbound.js';
import { failure } from '../../messages/results.js';
import type { Binding, Consumer, Delivery, DeliveryHandler, GroupSubscription, Reply, TransportContext } from '../contract/transport.js';
import { bindingField, type BindingTable } from '../shared/binding-table.js';
import type { CredentialScrubber } from '../shared/credentials.js';
import { InFlightLatch } from '../shared/in-flight.js';
import type { DeadLetterWriter } from '../contract/dead-letter-writer.js';
import type { Decoded, NatsEnvelopeMapping, WireMessage } from './nats-envelope.js';
import { groupToken, subjectMatches, type NatsNames } from './nats-names.js';
import type { ResolvedNatsOptions } from './nats.options.js';
import { natsError } from './nats.error.js';

// A delivery the dispatcher refused (its queue full, backpressure 'reject-new') comes back after this.
const REFUSED_RETRY_MS = 100;
const RESTART_PAUSE_MS = 250;

/** What the consumers of one connection share with it. */
export interface ConsumerEnvironment {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kv: KV;
  readonly names: NatsNames;
  readonly mapping: NatsEnvelopeMapping;
  readonly options: ResolvedNatsOptions;
  readonly context: TransportContext;
  readonly table: BindingTable;
  /** The event patterns of this instance's per-instance groups: the receivers a publish here can count. */
  readonly ownBroadcasts: BindingTable;
  readonly scrubber: CredentialScrubber;
  readonly transportLetters: DeadLetterWriter;
  readonly prefetch: number;
  reply(address: string, reply: Reply): void | Promise<void>;
}

/** Counts what a consumer handed out and not yet settled, for its close. */
class Outstanding {
  private count = 0;
  private readonly latch = new InFlightLatch();

  get size(): number {
    return this.count;
  }

  add(): void {
    this.count += 1;
  }

  done(): void {
    this.count -= 1;
    if (this.count === 0) this.latch.reachedZero();
  }

  async settled(timeoutMs: number): Promise<number> {
    if (this.count > 0) await this.latch.wait(timeoutMs);
    return this.count;
  }
}

/** A message of a group's durable consumer, acked (or left to redelivery) once. */
class StreamDelivery implements Delivery {
  private settled = false;

  constructor(
    readonly envelope: Envelope,
    readonly group: string,
    readonly message: JsMsg,
    private readonly consumer: NatsConsumer,
  ) {}

  ack(): void {
    if (this.settled) return;
    this.settled = true;
    this.message.ack();
    this.consumer.forget(this);
  }

  // No longer kept in progress: JetStream redelivers it after AckWait.
  release(): void {
    if (this.settled) return;
    this.settled = true;
    this.consumer.forget(this);
  }

  rawPayload(): Buffer {
    return Buffer.from(this.message.data);
  }
}

/** A message over core NATS (a query, a broadcast copy): nothing to ack on the broker. */
class CoreDelivery implements Delivery {
  private settled = false;

  constructor(
    readonly envelope: Envelope,
    readonly group: string,
    private readonly outstanding: Outstanding,
    private readonly raw: Uint8Array,
  ) {}

  ack(): void {
    if (this.settled) return;
    this.settled = true;
    this.outstanding.done();
  }

  release(): void {
    this.ack();
  }

  rawPayload(): Buffer {
    return Buffer.from(this.raw);
  }
}

/**
 * One service group consumed by one bus instance: the group's durable pull consumer on the
 * message stream (filter `<stream>.g.<group>.>`, explicit acks, AckWait = visibility timeout,
 * MaxDeliver), its bindings in the bindings bucket (so publishers route copies to it), the one
 * owner claim of each command and query topic, and a core NATS queue subscription per query
 * topic. Handed-out messages are kept in progress (`working()`) while their handler runs.
 */
export class NatsConsumer implements Consumer {
  private readonly bindings = new Map<string, Binding>();
  private readonly claims = new Set<string>();
  private readonly queries = new Map<string, Subscription>();
  private readonly held = new Map<StreamDelivery, number>();
  private readonly outstanding = new Outstanding();
  private messages?: ConsumerMessages;
  private running?: Promise<void>;
  private renewal?: NodeJS.Timeout;
  private stopped = false;
  private stopping?: Promise<void>;

  constructor(
    private readonly env: ConsumerEnvironment,
    private readonly subscription: GroupSubscription,
    private readonly handler: DeliveryHandler,
  ) {}

  get group(): string {
    return this.subscription.group;
  }

  /** Makes the durable consumer, then the bindings, then starts pulling. */
  async open(): Promise<void> {
    await this.ensureConsumer();
    await Promise.all(this.subscription.bindings.map((binding) => this.bind(binding)));
    this.running = this.pull();
    const every = Math.max(50, Math.floor(this.env.options.visibilityTimeoutMs / 3));
    this.renewal = setInterval(() => this.renew(every), every);
  }

  async bind(binding: Binding): Promise<void> {
    const key = bindingKey(binding);
    if (this.bindings.has(key)) return;
    this.bindings.set(key, binding);
    const { env } = this;
    try {
      if (binding.kind !== 'event') await this.claim(binding.kind, binding.pattern);
      await env.kv.put(env.names.bindingKey(binding.kind, this.group, binding.pattern), '');
    } catch (error) {
      this.bindings.delete(key);
      if (error instanceof DuplicateHandlerError) throw error;
      throw natsError(env.scrubber, `Could not bind ${binding.kind} "${binding.pattern}" for group ${this.group}`, error);
    }
    // Routed by this instance at once, ahead of the bucket's notification.
    env.table.add(bindingField(binding.kind, binding.pattern, this.group));
    if (binding.kind === 'query' && !this.stopped) this.subscribeQuery(binding.pattern);
  }

  async unbind(binding: Binding): Promise<void> {
    const key = bindingKey(binding);
    if (!this.bindings.delete(key)) return;
    const { env } = this;
    env.table.remove(bindingField(binding.kind, binding.pattern, this.group));
    this.queries.get(binding.pattern)?.unsubscribe();
    this.queries.delete(binding.pattern);
    try {
      await env.kv.delete(env.names.bindingKey(binding.kind, this.group, binding.pattern));
      if (this.claims.delete(key)) await env.kv.delete(env.names.ownerKey(binding.kind, binding.pattern));
    } catch (error) {
      throw natsError(env.scrubber, `Could not unbind ${binding.kind} "${binding.pattern}" for group ${this.group}`, error);
    }
  }

  /** Stops pulling, then hands over what the server had already sent (a draining bus still handles it). */
  stop(): Promise<void> {
    if (this.stopping === undefined) {
      this.stopped = true;
      clearInterval(this.renewal);
      for (const subscription of this.queries.values()) subscription.unsubscribe();
      this.queries.clear();
      this.stopping = this.messages === undefined ? (this.running ?? Promise.resolve()) : this.endPulling(this.messages);
    }
    return this.stopping;
  }

  /** Stops, then waits up to `timeoutMs` for handed-out messages to be settled; the durable consumer stays. */
  async close(timeoutMs: number): Promise<void> {
    await this.stop();
    await this.running;
    // Kept in progress while the handlers finish.
    const every = Math.max(50, Math.floor(this.env.options.visibilityTimeoutMs / 3));
    const renewal = setInterval(() => this.renew(every), every);
    const left = await this.outstanding.settled(timeoutMs);
    clearInterval(renewal);
    if (left > 0) {
      this.env.context.logger.warn(`${left} message(s) of group ${this.group} still unacknowledged at close: redelivered after visibilityTimeoutMs`);
    }
  }

  /** @internal A stream delivery is settled. */
  forget(delivery: StreamDelivery): void {
    if (this.held.delete(delivery)) this.outstanding.done();
  }

  private async ensureConsumer(): Promise<void> {
    const { env } = this;
    const config = {
      durable_name: env.names.consumerOf(this.group),
      filter_subject: env.names.groupFilter(this.group),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: env.options.visibilityTimeoutMs * 1_000_000,
      // One delivery more for the nak that waits out a delay, and one to dead-letter it.
      max_deliver: env.options.maxDeliveries + 2,
      max_ack_pending: -1,
    };
    try {
      await env.jsm.consumers.add(env.names.stream, config);
    } catch (error) {
      // It exists with other settings (changed options): take the new ones.
      try {
        const { durable_name: name, deliver_policy: _policy, ...update } = config;
        await env.jsm.consumers.update(env.names.stream, name, update);
      } catch {
        throw natsError(env.scrubber, `Could not create the consumer of group ${this.group}`, error);
      }
    }
  }

  private async pull(): Promise<void> {
    const { env } = this;
    while (!this.stopped) {
      try {
        const consumer = await env.js.consumers.get(env.names.stream, env.names.consumerOf(this.group));
        const messages = await consumer.consume({ max_messages: env.prefetch });
        this.messages = messages;
        if (this.stopped) void this.endPulling(messages);
        for await (const message of messages) {
          const accepted = this.receive(message);
          if (accepted) await accepted;
        }
      } catch (error) {
        if (this.stopped) return;
        env.context.logger.warn(`Consuming group ${this.group} failed: ${env.scrubber.message(error)}; retrying`);
        await this.ensureConsumer().catch(() => undefined);
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, RESTART_PAUSE_MS));
    }
  }

  // Unsubscribing at once would drop the messages already on their way to this inbox: they would
  // come back only after AckWait. A drained subscription delivers them first.
  private async endPulling(messages: ConsumerMessages): Promise<void> {
    const { sub } = messages as ConsumerMessages & { sub?: Subscription };
    if (sub !== undefined && !sub.isClosed()) await sub.drain().catch(() => undefined);
    messages.stop();
    await this.running;
  }

  private receive(message: JsMsg): void | Promise<void> {
    const { env } = this;
    const parsed = env.names.parseGroupSubject(message.subject);
    const kind = parsed !== undefined && MESSAGE_KINDS.includes(parsed.kind as MessageKind) ? (parsed.kind as MessageKind) : 'event';
    // Its reply subject is the ack subject: a request's reply address travels in a header.
    const decoded = env.mapping.decode({ subject: message.subject, data: message.data, headers: message.headers }, {
      id: `nats-${message.info.streamSequence}`,
      timestamp: Math.floor(Number(message.info.timestampNanos) / 1e6),
      kind,
      topic: parsed?.topic,
    });
    if (!decoded.ok) return this.rejectUndecodable(message, decoded);
    const { notBefore } = decoded;
    const deliveries = message.info.deliveryCount;
    if (notBefore !== undefined && deliveries === 1 && notBefore > Date.now()) {
      // A retry or delayed message: JetStream brings it back when its delay is over.
      message.nak(notBefore - Date.now());
      return;
    }
    let envelope = decoded.envelope;
    const unacked = deliveries - 1 - (notBefore === undefined ? 0 : 1);
    if (unacked > 0) {
      // Its consumer died or stalled: each delivery counts as an attempt.
      envelope = { ...envelope, attempt: envelope.attempt + unacked };
      if (envelope.attempt > envelope.maxAttempts || unacked >= env.options.maxDeliveries) return this.rejectExhausted(message, envelope, deliveries);
    }
    const delivery = new StreamDelivery(envelope, this.group, message, this);
    this.held.set(delivery, Date.now());
    this.outstanding.add();
    try {
      return this.handler(delivery);
    } catch (error) {
      this.forget(delivery);
      message.nak(REFUSED_RETRY_MS);
      env.context.logger.warn(`Group ${this.group} refused ${envelope.topic} (id=${envelope.id}): ${(error as Error).message}`);
    }
  }

  private rejectUndecodable(message: JsMsg, decoded: Extract<Decoded, { ok: false }>): Promise<void> | void {
    this.env.context.logger.warn(`Undecodable message ${message.info.streamSequence} on ${quoted(message.subject)} dead-lettered: ${decoded.problem}`);
    return this.deadLetter(message, {
      envelope: decoded.envelope,
      reason: 'UNDECODABLE',
      error: { message: decoded.problem, code: 'UNDECODABLE' },
    });
  }

  private async rejectExhausted(message: JsMsg, envelope: Envelope, deliveries: number): Promise<void> {
    const reason = `Delivered ${deliveries} times without being acknowledged: its consumers died or stalled`;
    await this.deadLetter(message, { envelope, reason: 'ATTEMPTS_EXHAUSTED', error: { message: reason, code: 'UNACKNOWLEDGED' } }, Buffer.from(message.data));
    if (envelope.replyTo !== undefined && envelope.kind !== 'event') {
      await this.env.reply(envelope.replyTo, { requestId: envelope.id, result: failure('HANDLER_ERROR', reason) });
    }
  }

  private deadLetter(message: JsMsg, letter: Pick<DeadLetter, 'envelope' | 'reason' | 'error'>, raw?: Buffer): void | Promise<void> {
    // Not stored: left unacked, JetStream redelivers it after AckWait and it is tried again.
    return this.env.transportLetters.write({ group: this.group, ...letter }, { ack: () => message.ack(), release: () => undefined }, raw);
  }

  // Tells JetStream that messages held longer than `olderThanMs` are still being worked on.
  private renew(olderThanMs: number): void {
    const now = Date.now();
    for (const [delivery, since] of this.held) {
      if (now - since < olderThanMs) continue;
      delivery.message.working();
      this.held.set(delivery, now);
    }
  }

  /** Makes this group the one owner of a command or query topic, atomically across instances. */
  private async claim(kind: MessageKind, topic: string): Promise<void> {
    const { kv, names } = this.env;
    const key = names.ownerKey(kind, topic);
    try {
      await kv.create(key, this.group);
    } catch (error) {
      const owner = (await kv.get(key))?.string();
      if (owner === undefined) throw error;
      if (owner !== this.group) throw new DuplicateHandlerError(topic, `group ${owner}`, `group ${this.group}`);
    }
    this.claims.add(bindingKey({ kind, pattern: topic }));
  }

  private subscribeQuery(topic: string): void {
    if (this.queries.has(topic)) return;
    const { env } = this;
    const subscription = env.nc.subscribe(env.names.querySubject(topic), {
      queue: groupToken(this.group),
      callback: (error, message) => {
        if (error === null) deliverCore(env, this.group, 'query', env.names.topicOf(message.subject, 'q'), message, this.outstanding, this.handler);
      },
    });
    this.queries.set(topic, subscription);
  }
}

/** Decodes a core NATS message and hands it to the dispatcher (an undecodable one is dropped with a warning). */
function deliverCore(
  env: ConsumerEnvironment,
  group: string,
  kind: MessageKind,
  topic: string | undefined,
  message: Msg,
  outstanding: Outstanding,
  handler: DeliveryHandler,
  after?: (envelope: Envelope, notBefore: number | undefined) => boolean,
): void {
  const wire: WireMessage = message;
  const decoded = env.mapping.decode(wire, { id: `nats-${Date.now()}-${Math.random().toString(36).slice(2)}`, timestamp: Date.now(), kind, topic });
  if (!decoded.ok) {
    env.context.logger.warn(`Undecodable ${kind} on ${quoted(message.subject)} dropped: ${decoded.problem}`);
    return;
  }
  if (after?.(decoded.envelope, decoded.notBefore) === false) return;
  outstanding.add();
  try {
    void handler(new CoreDelivery(decoded.envelope, group, outstanding, message.data));
  } catch (error) {
    outstanding.done();
    env.context.logger.warn(`Group ${group} refused ${decoded.envelope.topic} (id=${decoded.envelope.id}): ${(error as Error).message}`);
  }
}

/**
 * The per-instance group (broadcast and session handlers) over core NATS: every event is also
 * published to `<stream>.x.<topic>`, and this instance subscribes with the subject filters of its
 * patterns. A message matching several filters is taken from the first only. Retries and
 * delays wait in this process: the group lives and dies with it.
 */
export class ExclusiveConsumer implements Consumer {
  private readonly bindings = new Map<string, Binding>();
  private readonly filters = new Map<string, { subscription: Subscription; patterns: Set<string> }>();
  private readonly outstanding = new Outstanding();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly env: ConsumerEnvironment,
    private readonly subscription: GroupSubscription,
    private readonly handler: DeliveryHandler,
  ) {
    for (const binding of subscription.bindings) this.bind(binding);
  }

  get group(): string {
    return this.subscription.group;
  }

  bind(binding: Binding): void {
    if (binding.kind !== 'event') {
      throw new InvalidOptionsError(`Per-instance groups on NATS take events only, not ${binding.kind} "${binding.pattern}"`);
    }
    const key = bindingKey(binding);
    if (this.bindings.has(key) || this.stopped) return;
    this.bindings.set(key, binding);
    this.env.ownBroadcasts.add(bindingField('event', binding.pattern, this.group));
    for (const filter of this.env.names.broadcastFilters(binding.pattern)) {
      const existing = this.filters.get(filter);
      if (existing) {
        existing.patterns.add(binding.pattern);
        continue;
      }
      const subscription = this.env.nc.subscribe(filter, {
        callback: (error, message) => {
          if (error === null) this.receive(filter, message);
        },
      });
      this.filters.set(filter, { subscription, patterns: new Set([binding.pattern]) });
    }
  }

  unbind(binding: Binding): void {
    if (!this.bindings.delete(bindingKey(binding))) return;
    this.env.ownBroadcasts.remove(bindingField('event', binding.pattern, this.group));
    for (const filter of this.env.names.broadcastFilters(binding.pattern)) {
      const entry = this.filters.get(filter);
      if (entry === undefined) continue;
      entry.patterns.delete(binding.pattern);
      if (entry.patterns.size > 0) continue;
      entry.subscription.unsubscribe();
      this.filters.delete(filter);
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    for (const { subscription } of this.filters.values()) subscription.unsubscribe();
    this.filters.clear();
    for (const binding of this.bindings.values()) this.env.ownBroadcasts.remove(bindingField('event', binding.pattern, this.group));
    this.bindings.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return Promise.resolve();
  }

  async close(timeoutMs: number): Promise<void> {
    await this.stop();
    await this.outstanding.settled(timeoutMs);
  }

  /** Hands `envelope` to this group again after `delayMs` (a retry, a circuit wait). */
  later(envelope: Envelope, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      this.outstanding.add();
      try {
        void this.handler(new CoreDelivery(envelope, this.group, this.outstanding, new Uint8Array()));
      } catch {
        this.outstanding.done();
      }
    }, delayMs);
    this.timers.add(timer);
  }

  private receive(filter: string, message: Msg): void {
    // The first filter that matches takes it: overlapping patterns get one copy.
    for (const first of this.filters.keys()) {
      if (!subjectMatches(first, message.subject)) continue;
      if (first !== filter) return;
      break;
    }
    deliverCore(this.env, this.group, 'event', this.env.names.topicOf(message.subject, 'x'), message, this.outstanding, this.handler, (envelope, notBefore) => {
      if (notBefore === undefined || notBefore <= Date.now()) return true;
      this.later(envelope, notBefore - Date.now());
      return false;
    });
  }
}
