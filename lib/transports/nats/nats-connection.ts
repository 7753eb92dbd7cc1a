import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import { connect, createInbox, type NatsConnection as NatsClient, type Subscription } from '@nats-io/transport-node';
import type { Envelope } from '../../messages/envelope.js';
import type { Consumer, DeliveryHandler, GroupSubscription, Reply, TransportConnection, TransportContext } from '../contract/transport.js';
import { BindingTable, bindingField } from '../shared/binding-table.js';
import { showOnly, type CredentialScrubber } from '../shared/credentials.js';
import { DeadLetterWriter } from '../contract/dead-letter-writer.js';
import { NatsTransportError } from '../shared/transport.error.js';
import { ExclusiveConsumer, NatsConsumer, type ConsumerEnvironment } from './nats-consumer.js';
import { NatsDeadLetterStore } from './nats-dead-letter.store.js';
import { headersOf, NatsEnvelopeMapping, type HeaderFields } from './nats-envelope.js';
import { JetStreamPublisher } from './nats-publisher.js';
import { groupToken, NatsNames } from './nats-names.js';
import type { ResolvedNatsOptions } from './nats.options.js';
import { natsError } from './nats.error.js';

// Replies go to core NATS inboxes only: a `replyTo` from the wire must not write into a stream.
const INBOX_PREFIX = '_INBOX.';
const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;

/**
 * One bus instance on NATS JetStream: one connection, the message and dead-letter streams, the
 * bindings bucket (watched, so publishers route without a round trip), a reply inbox, and a
 * consumer per consumed group.
 */
export class NatsConnection implements TransportConnection, ConsumerEnvironment {
  readonly replyAddress: string;
  readonly deadLetters: NatsDeadLetterStore;
  readonly table = new BindingTable();
  readonly ownBroadcasts = new BindingTable();
  readonly transportLetters: DeadLetterWriter;
  readonly prefetch: number;
  private readonly publisher: JetStreamPublisher;
  private readonly consumers = new Set<NatsConsumer | ExclusiveConsumer>();
  private readonly exclusive = new Map<string, ExclusiveConsumer>();
  // Binding changes in progress: a publish made after one was asked for waits for it.
  private readonly changes = new Set<Promise<unknown>>();
  private inbox?: Subscription;
  private watching?: Promise<void>;
  private watcher?: { stop(): void };
  private closing?: Promise<void>;

  private constructor(
    readonly nc: NatsClient,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly kv: KV,
    readonly names: NatsNames,
    readonly mapping: NatsEnvelopeMapping,
    readonly options: ResolvedNatsOptions,
    readonly context: TransportContext,
    readonly scrubber: CredentialScrubber,
  ) {
    this.replyAddress = createInbox();
    this.prefetch = options.prefetch ?? Math.max(256, context.concurrency * 2);
    this.publisher = new JetStreamPublisher(nc, options.publishTimeoutMs);
    this.deadLetters = new NatsDeadLetterStore(js, jsm, names, mapping, context, scrubber, options.publishTimeoutMs);
    this.transportLetters = new DeadLetterWriter({
      store: () => this.deadLetters,
      stored: (letter) => context.onDeadLettered(letter),
      failed: (letter, error) => context.onDeadLetterFailed(letter, error),
      logger: context.logger,
      describe: (error) => scrubber.message(error),
    });
    // The client keeps the credentials in its options.
    showOnly(this, () => `NatsConnection { servers: ${JSON.stringify(options.maskedServers)}, instanceId: '${context.instanceId}' }`);
  }

  /** Connects, makes the streams and the bucket, reads the bindings and starts the reply inbox. */
  static async open(options: ResolvedNatsOptions, context: TransportContext): Promise<NatsConnection> {
    const { scrubber } = options;
    let nc: NatsClient;
    try {
      nc = await connect({
        servers: options.servers.map(withoutCredentials),
        ...credentialsOf(options),
        tls: options.tls,
        name: `${context.serviceName}.${context.instanceId}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      });
    } catch (error) {
      throw natsError(scrubber, 'Could not connect', error);
    }
    try {
      const names = new NatsNames(options.stream);
      const jsm = await jetstreamManager(nc);
      const js = jetstream(nc, { timeout: options.publishTimeoutMs });
      await ensureStream(jsm, { name: names.stream, subjects: [names.streamSubjects], retention: RetentionPolicy.Interest, storage: StorageType.File, duplicate_window: DUPLICATE_WINDOW_NS });
      await ensureStream(jsm, { name: names.deadLetterStream, subjects: [names.deadLetterSubjects], retention: RetentionPolicy.Limits, storage: StorageType.File, allow_direct: true });
      const kv = await new Kvm(js).create(names.bindingsBucket, { history: 1, storage: StorageType.File });
      const mapping = new NatsEnvelopeMapping(context.codecs, context.maxAttempts, {
        maxPayloadBytes: context.maxPayloadBytes,
        maxPayloadDepth: options.maxPayloadDepth,
      });
      const connection = new NatsConnection(nc, js, jsm, kv, names, mapping, options, context, scrubber);
      await connection.start();
      context.logger.log(`Connected to NATS at ${options.maskedServers.join(', ')} (stream "${names.stream}")`);
      return connection;
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error instanceof NatsTransportError ? error : natsError(scrubber, 'Could not set up JetStream', error);
    }
  }

  publish(envelope: Envelope, delayMs = 0): number | Promise<number> {
    const body = this.mapping.body(envelope);
    if (this.changes.size > 0) return Promise.all(this.changes).then(() => this.route(envelope, body, delayMs));
    return this.route(envelope, body, delayMs);
  }

  consume(subscription: GroupSubscription, handler: DeliveryHandler): Consumer | Promise<Consumer> {
    if (subscription.exclusive) {
      // Subscribed before this returns: a publish right after reaches it.
      const consumer = new ExclusiveConsumer(this, subscription, handler);
      this.consumers.add(consumer);
      this.exclusive.set(subscription.group, consumer);
      return consumer;
    }
    const consumer = new NatsConsumer(this, subscription, handler);
    this.consumers.add(consumer);
    const opened = consumer.open().then(
      () => consumer,
      async (error: unknown) => {
        this.consumers.delete(consumer);
        await consumer.close(0).catch(() => undefined);
        throw error;
      },
    );
    this.track(opened);
    return opened;
  }

  async schedule(group: string, envelope: Envelope, delayMs: number): Promise<void> {
    const own = this.exclusive.get(group);
    if (own !== undefined) {
      own.later(envelope, delayMs);
      return;
    }
    // A retry or replay of an accepted message: a limit lowered since must not lose it.
    const body = this.mapping.body(envelope, false);
    const headers = this.mapping.headers(envelope, delayMs > 0 ? Date.now() + delayMs : undefined);
    try {
      await this.publisher.publish(this.names.groupSubject(group, envelope.kind, envelope.topic), body, headers);
    } catch (error) {
      throw natsError(this.scrubber, `Could not schedule ${envelope.topic} (id=${envelope.id}) for group ${group}`, error);
    }
  }

  reply(address: string, reply: Reply): void {
    if (!address.startsWith(INBOX_PREFIX)) {
      this.context.logger.warn(`Reply to request ${reply.requestId} dropped: ${address} is not a NATS inbox`);
      return;
    }
    const { data, headers } = this.mapping.reply(reply.requestId, reply.result);
    try {
      this.nc.publish(address, data, { headers });
    } catch (error) {
      this.context.logger.warn(`Reply to ${reply.requestId} not sent: ${this.scrubber.message(error)}`);
    }
  }

  async ping(): Promise<number> {
    try {
      return await this.nc.rtt();
    } catch (error) {
      throw natsError(this.scrubber, 'Ping failed', error);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private route(envelope: Envelope, body: Uint8Array, delayMs: number): number | Promise<number> {
    const { kind, topic } = envelope;
    const groups = this.table.match(kind, topic);
    const notBefore = delayMs > 0 ? Date.now() + delayMs : undefined;
    if (kind === 'query') {
      if (groups.length === 0) return 0;
      this.nc.publish(this.names.querySubject(topic), body, { headers: this.mapping.headers(envelope), reply: envelope.replyTo });
      return 1;
    }
    const fields = this.mapping.headerFields(envelope, notBefore);
    // Core NATS does not say how many subscribers a message reached: of the per-instance groups,
    // only this instance's own are counted.
    let receivers = 0;
    if (kind === 'event') {
      this.nc.publish(this.names.broadcastSubject(topic), body, { headers: headersOf(fields) });
      receivers = this.ownBroadcasts.match(kind, topic).length;
    }
    if (groups.length === 0) return receivers;
    // One id per group copy: a copy sent again (a retried publish) is stored once.
    const stored = groups.length === 1 ? this.storeCopy(groups[0], envelope, body, fields) : Promise.all(groups.map((group) => this.storeCopy(group, envelope, body, fields)));
    return stored.then(
      () => groups.length + receivers,
      (error: unknown) => {
        throw natsError(this.scrubber, `Could not publish ${kind} ${topic} (id=${envelope.id})`, error);
      },
    );
  }

  private storeCopy(group: string, envelope: Envelope, body: Uint8Array, fields: HeaderFields): Promise<unknown> {
    return this.publisher.publish(this.names.groupSubject(group, envelope.kind, envelope.topic), body, headersOf(fields, `${envelope.id}:${groupToken(group)}`));
  }

  private async start(): Promise<void> {
    this.inbox = this.nc.subscribe(this.replyAddress, {
      callback: (error, message) => {
        if (error !== null) return;
        const reply = this.mapping.decodeReply(message);
        if (reply) this.context.onReply(reply);
        else this.context.logger.warn('Ignored a message on the reply inbox that is not a bus reply');
      },
    });
    await this.loadBindings();
  }

  /**
   * Watches the bindings bucket from now on, then reads its keys; changes seen while the keys
   * are read are applied after them, in order, so the table ends as the bucket is.
   */
  private async loadBindings(): Promise<void> {
    const held: KvWatchEntry[] = [];
    let loaded = false;
    const watch = await this.kv.watch({ include: 'updates' });
    this.watcher = watch;
    this.watching = (async () => {
      for await (const entry of watch) {
        if (loaded) this.applyBinding(entry.key, entry.operation === 'PUT');
        else held.push(entry);
      }
    })().catch((error: unknown) => {
      if (!this.closing) this.context.logger.warn(`Watching the NATS bindings failed: ${this.scrubber.message(error)}`);
    });
    for await (const key of await this.kv.keys()) this.applyBinding(key, true);
    loaded = true;
    for (const entry of held.splice(0)) this.applyBinding(entry.key, entry.operation === 'PUT');
  }

  private applyBinding(key: string, present: boolean): void {
    const binding = this.names.parseBindingKey(key);
    if (binding === undefined) return;
    const field = bindingField(binding.kind, binding.pattern, binding.group);
    if (present) this.table.add(field);
    else this.table.remove(field);
  }

  private track(change: Promise<unknown>): void {
    const settled = change.then(
      () => undefined,
      () => undefined,
    );
    this.changes.add(settled);
    void settled.then(() => this.changes.delete(settled));
  }

  private async shutdown(): Promise<void> {
    const consumers = [...this.consumers];
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    for (const outcome of await Promise.allSettled(consumers.map((consumer) => consumer.close(this.options.closeTimeoutMs)))) {
      if (outcome.status === 'rejected') this.context.logger.warn(`Closing the NATS transport: ${this.scrubber.message(outcome.reason)}`);
    }
    this.watcher?.stop();
    await this.watching;
    this.inbox?.unsubscribe();
    // Drain sends what is buffered (acks, replies) before closing; acks still due after it never come.
    await this.nc.drain().catch(() => this.nc.close());
    this.publisher.close();
    this.context.logger.log(`Disconnected from NATS at ${this.options.maskedServers.join(', ')}`);
  }
}

async function ensureStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0]): Promise<void> {
  try {
    await jsm.streams.info(config.name as string);
  } catch {
    await jsm.streams.add(config);
  }
}

/** The server URL without user info: credentials go to the client as options, never in a URL it might log. */
function withoutCredentials(server: string): string {
  try {
    const url = new URL(server);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return server;
  }
}

function credentialsOf(options: ResolvedNatsOptions): { user?: string; pass?: string; token?: string } {
  if (options.user !== undefined || options.token !== undefined) return { user: options.user, pass: options.pass, token: options.token };
  try {
    const url = new URL(options.servers[0]);
    if (url.password) return { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
    if (url.username) return { token: decodeURIComponent(url.username) };
  } catch {
    // Not a URL: the client reports it.
  }
  return {};
}
