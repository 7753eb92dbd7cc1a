import { REPLY_TOPIC } from '../../messages/codec.js';
import type { Envelope } from '../../messages/envelope.js';
import type { QueryResult } from '../../messages/results.js';
import type {
  Consumer,
  DeliveryHandler,
  GroupSubscription,
  Reply,
  TransportConnection,
  TransportContext,
} from '../contract/transport.js';
import { BindingSync } from './binding-sync.js';
import { BindingTable } from '../shared/binding-table.js';
import type { ConsumerEnvironment } from './consumer-environment.js';
import { DelayedPromoter, delayedMember } from './delayed-promoter.js';
import { InstanceLease } from './instance-lease.js';
import { RedisClients, type RedisClient } from './redis-clients.js';
import { RedisConsumer } from './redis-consumer.js';
import { RedisDeadLetterStore } from './redis-dead-letter.store.js';
import { RedisIdempotencyStore } from './redis-idempotency.store.js';
import { RedisKeys } from './redis-keys.js';
import { RealtimeHub } from './realtime-hub.js';
import { PublishBatch } from './publish-batch.js';
import { ReplyInbox } from './reply-inbox.js';
import { BusScripts } from './redis-scripts.js';
import { connectionOptions, type ConnectionOptions, type ResolvedRedisOptions } from './redis.options.js';
import { encodeEntry, type EntryFields, type EntryDecoding } from './stream-entry.js';
import { showOnly, type CredentialScrubber } from '../shared/credentials.js';
import { DeadLetterWriter } from '../contract/dead-letter-writer.js';
import { RedisTransportError } from '../shared/transport.error.js';
import { redisError } from './redis.error.js';

/**
 * Resolves with `value` once the I/O that arrived with it has been handled. Redis answers the
 * publisher and a reader blocked on the stream in the same round, so when this instance reads
 * the group itself, its reader normally hands the message to the dispatcher before the
 * publisher goes on: the instance sees its own messages in order, as on the in-memory transport.
 */
function afterPendingIo<T>(value: T): Promise<T> {
  return new Promise((resolve) => {
    if (afterIo === undefined) {
      afterIo = [];
      setImmediate(releaseAfterIo);
    }
    afterIo.push(() => resolve(value));
  });
}

// One check-phase callback for every publish of a turn, instead of one each.
let afterIo: (() => void)[] | undefined;

function releaseAfterIo(): void {
  const waiting = afterIo ?? [];
  afterIo = undefined;
  for (const resolve of waiting) resolve();
}

/**
 * One bus instance on Redis: a connection for commands and scripts, one subscribed to binding
 * changes, one reading this instance's reply inbox, and one blocking reader per consumed group.
 */
export class RedisConnection implements TransportConnection, ConsumerEnvironment {
  readonly replyAddress: string;
  readonly deadLetters: RedisDeadLetterStore;
  readonly idempotency: RedisIdempotencyStore;
  readonly table = new BindingTable();
  readonly scripts: BusScripts;
  readonly consumerName: string;
  readonly maintenanceIntervalMs: number;
  readonly decoding: EntryDecoding;
  readonly transportLetters: DeadLetterWriter;
  /** Groups this instance has a reader for. */
  readonly readingGroups = new Set<string>();
  private readonly consumers = new Set<RedisConsumer>();
  private readonly sync: BindingSync;
  private readonly promoter: DelayedPromoter;
  private readonly lease: InstanceLease;
  private readonly inbox: ReplyInbox;
  private readonly realtime: RealtimeHub;
  private readonly appends: PublishBatch;
  private scheduled = 0;
  private closing?: Promise<void>;

  private constructor(
    readonly client: RedisClient,
    private readonly subscriber: RedisClient,
    readonly clients: RedisClients,
    readonly keys: RedisKeys,
    readonly options: ConnectionOptions,
    readonly context: TransportContext,
    readonly scrubber: CredentialScrubber,
  ) {
    const { logger } = context;
    this.consumerName = context.instanceId;
    this.replyAddress = keys.replyInbox(context.instanceId);
    this.inbox = new ReplyInbox(this.replyAddress, clients, client, (message) => this.onReply(message), logger, scrubber);
    this.maintenanceIntervalMs = Math.max(50, Math.floor(options.visibilityTimeoutMs / 3));
    this.decoding = {
      codecs: context.codecs,
      defaultMaxAttempts: options.defaultMaxAttempts,
      limits: { maxPayloadBytes: context.maxPayloadBytes, maxPayloadDepth: options.maxPayloadDepth },
    };
    this.scripts = new BusScripts(client, keys);
    this.appends = new PublishBatch(client, this.scripts);
    this.deadLetters = new RedisDeadLetterStore(client, this.scripts, keys, context, scrubber, options.defaultMaxAttempts);
    this.transportLetters = new DeadLetterWriter({
      store: () => this.deadLetters,
      stored: (letter) => context.onDeadLettered(letter),
      failed: (letter, error) => context.onDeadLetterFailed(letter, error),
      logger,
      describe: (error) => scrubber.message(error),
    });
    this.idempotency = new RedisIdempotencyStore(client, keys.idempotencyPrefix);
    this.realtime = new RealtimeHub(subscriber, client, keys.realtimePrefix, this.decoding, context, this.transportLetters);
    this.sync = new BindingSync(this.table, this.scripts, logger, scrubber);
    this.promoter = new DelayedPromoter(this.scripts, options.delayedPollMs, logger, scrubber);
    this.lease = new InstanceLease(client, this.scripts, keys, context.instanceId, options.instanceTtlMs, logger, scrubber, () => this.restore());
    // Its clients hold the password in their own options.
    showOnly(this, () => `RedisConnection { url: '${scrubber.maskedUrl}', instanceId: '${context.instanceId}' }`);
  }

  /** Connects, subscribes, reads the binding table and starts the background work. */
  static async open(settings: ResolvedRedisOptions, context: TransportContext, scrubber: CredentialScrubber): Promise<RedisConnection> {
    const options = connectionOptions(settings, context);
    const clients = new RedisClients(options, context.instanceId, context.logger, scrubber);
    const client = clients.create('commands');
    const subscriber = clients.create('subscriber');
    const keys = new RedisKeys(options.prefix, options.priorityBands);
    let connection: RedisConnection | undefined;
    try {
      await Promise.all([clients.ready(client, 'commands'), clients.ready(subscriber, 'subscriber')]);
      connection = new RedisConnection(client, subscriber, clients, keys, options, context, scrubber);
      await connection.start();
      return connection;
    } catch (error) {
      await connection?.close().catch(() => undefined);
      client.disconnect();
      subscriber.disconnect();
      throw error instanceof RedisTransportError ? error : redisError(scrubber, 'Could not connect', error);
    }
  }

  publish(envelope: Envelope, delayMs = 0): number | Promise<number> {
    const fields = encodeEntry(envelope, this.context.codecs.forTopic(envelope.topic), this.context.maxPayloadBytes);
    const groups = this.table.match(envelope.kind, envelope.topic);
    if (groups.length === 0) return 0;
    const band = this.keys.band(envelope.priority);
    const streams = groups.map((group) => this.keys.stream(group, band));
    const stored = delayMs > 0 ? this.delay(streams, fields, delayMs).then(() => streams.length) : this.appends.append(streams, fields);
    // A refusal to one stream names it (one wedged at the largest id refuses every entry).
    const target = streams.length === 1 ? ` to stream ${streams[0]}` : '';
    const published = stored.catch((error: unknown) => {
      throw redisError(this.scrubber, `Could not publish ${envelope.kind} ${envelope.topic} (id=${envelope.id})${target}`, error);
    });
    return groups.some((group) => this.readingGroups.has(group)) ? published.then(afterPendingIo) : published;
  }

  publishRealtime(envelope: Envelope): Promise<number> {
    const fields = encodeEntry(envelope, this.context.codecs.forTopic(envelope.topic), this.context.maxPayloadBytes);
    return this.realtime.publish(envelope, fields).catch((error: unknown) => {
      throw redisError(this.scrubber, `Could not publish ${envelope.topic} (id=${envelope.id}) in real time`, error);
    });
  }

  async consume(subscription: GroupSubscription, handler: DeliveryHandler): Promise<Consumer> {
    if (subscription.realtime === true) return this.realtime.consume(subscription, handler);
    const consumer = new RedisConsumer(this, subscription, handler);
    this.consumers.add(consumer);
    try {
      await consumer.open();
    } catch (error) {
      this.consumers.delete(consumer);
      await consumer.close(0).catch(() => undefined);
      throw error;
    }
    return consumer;
  }

  async schedule(group: string, envelope: Envelope, delayMs: number): Promise<void> {
    const stream = this.keys.stream(group, this.keys.band(envelope.priority));
    const fields = encodeEntry(envelope, this.context.codecs.forTopic(envelope.topic));
    try {
      if (delayMs > 0) await this.delay([stream], fields, delayMs);
      else if ((await this.appends.append([stream], fields)) === 0) {
        this.context.logger.warn(`${envelope.topic} (id=${envelope.id}) not delivered: group ${group} is gone`);
      }
    } catch (error) {
      throw redisError(this.scrubber, `Could not schedule ${envelope.topic} (id=${envelope.id}) for group ${group}`, error);
    }
  }

  async reply(address: string, reply: Reply): Promise<void> {
    // `replyTo` comes from the wire: writing anywhere but an inbox could forge messages or letters.
    if (!address.startsWith(this.keys.replyPrefix)) {
      this.context.logger.warn(`Reply to request ${reply.requestId} dropped: ${address} is not a reply inbox of this bus`);
      return;
    }
    try {
      await ReplyInbox.send(this.client, address, this.context.codec.encode(reply, REPLY_TOPIC));
    } catch (error) {
      throw redisError(this.scrubber, `Could not reply to request ${reply.requestId}`, error);
    }
  }

  async ping(): Promise<number> {
    const started = performance.now();
    try {
      await this.client.ping();
    } catch (error) {
      throw redisError(this.scrubber, 'Ping failed', error);
    }
    return performance.now() - started;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async start(): Promise<void> {
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      if (channel.toString() === this.keys.bindingsChannel) this.sync.notify(message.toString());
    });
    await this.subscriber.subscribe(this.keys.bindingsChannel);
    await this.inbox.start();
    await this.sync.reload();
    await this.warnOnEviction();
    await this.lease.start();
    this.promoter.start();
    // After a reconnection: notifications may have been missed, and Redis may have lost its data.
    this.subscriber.on('ready', () => void this.sync.reload().catch(() => undefined));
    this.client.on('ready', () => void this.restore());
  }

  /**
   * Warns when Redis may evict keys under memory pressure: an evicted stream is every message in
   * it lost, silently. With `noeviction` a full Redis refuses the write and the send rejects.
   */
  private async warnOnEviction(): Promise<void> {
    // INFO may be refused (an ACL without it, a managed Redis): then nothing is known to warn about.
    const info = await this.client.info('memory').catch(() => '');
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    if (policy !== undefined && policy !== 'noeviction') {
      this.context.logger.warn(
        `Redis at ${this.scrubber.maskedUrl} has maxmemory-policy ${policy}: under memory pressure it may evict streams and lose their messages; set maxmemory-policy noeviction`,
      );
    }
  }

  private onReply(message: Buffer): void {
    let reply: Partial<Reply>;
    try {
      reply = this.context.codec.decode(message, REPLY_TOPIC) as Partial<Reply>;
    } catch (error) {
      this.context.logger.warn(`Ignored an undecodable reply: ${(error as Error).message}`);
      return;
    }
    if (typeof reply?.requestId !== 'string' || typeof reply.result !== 'object' || reply.result === null) {
      this.context.logger.warn('Ignored a reply without requestId and result');
      return;
    }
    this.context.onReply({ requestId: reply.requestId, result: reply.result as QueryResult<unknown> });
  }

  private async delay(streams: string[], fields: EntryFields, delayMs: number): Promise<void> {
    const members = streams.map((stream) => delayedMember(`${this.consumerName}:${++this.scheduled}`, stream, fields));
    await this.scripts.schedule(delayMs, members);
    this.promoter.wakeIn(delayMs);
  }

  /** Makes again, idempotently, what this instance keeps in Redis; then rereads the bindings. */
  private async restore(): Promise<void> {
    if (this.closing) return;
    try {
      await this.noticeLostState();
      await Promise.all([...this.consumers].map((consumer) => consumer.restore()));
      await this.sync.reload();
    } catch (error) {
      this.context.logger.warn(`Restoring groups and bindings in Redis failed: ${this.scrubber.message(error)}`);
    }
  }

  /**
   * Warns once when Redis no longer knows this instance (its lease is gone): Redis restarted
   * without persistence or was flushed, so its streams, groups, bindings and stored messages are
   * gone too, or the others reaped it after an absence. The lease is renewed at once, so the
   * next loss is told again, and only that.
   */
  private async noticeLostState(): Promise<void> {
    if ((await this.client.zscore(this.keys.instances, this.context.instanceId)) !== null) return;
    this.context.logger.warn(
      `Redis at ${this.scrubber.maskedUrl} no longer holds this instance's state (restarted without persistence, ` +
        'flushed, or away longer than instanceTtlMs): recreating its groups and bindings; messages stored before may be gone',
    );
    await this.scripts.renewLease(this.context.instanceId, this.options.instanceTtlMs);
  }

  private async shutdown(): Promise<void> {
    const consumers = [...this.consumers];
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await this.promoter.stop();
    const cleanup = [
      ...consumers.map((consumer) => consumer.close(this.options.closeTimeoutMs)),
      this.lease.stop(),
    ];
    for (const outcome of await Promise.allSettled(cleanup)) {
      if (outcome.status === 'rejected') {
        this.context.logger.warn(`Closing the Redis transport: ${this.scrubber.message(outcome.reason)}`);
      }
    }
    await this.inbox.close();
    await Promise.all([this.clients.quit(this.subscriber), this.clients.quit(this.client)]);
  }
}
