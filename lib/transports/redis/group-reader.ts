import type { Envelope } from '../../messages/envelope.js';
import type { Delivery, DeliveryHandler } from '../contract/transport.js';
import type { ConsumerEnvironment } from './consumer-environment.js';
import type { RedisClient } from './redis-clients.js';
import type { RawEntry } from './redis-scripts.js';
import { decodeEntry, fieldOf } from './stream-entry.js';
import { StreamHolds, type Entry } from './stream-holds.js';

// A blocking read returns after this long without messages, so a reader on a cluster (where it
// cannot be unblocked) notices a stop in time.
const BLOCK_MS = 2_000;
// Streams are trimmed after this many acks, and on every maintenance round that saw any.
const TRIM_AFTER_ACKS = 500;
const RETRY_PAUSE_MS = 250;
// A blocking read unanswered this long past its BLOCK runs on a dead connection nobody closed (a
// blackhole: the socket is open, nothing arrives); the reader drops it and ioredis reconnects.
const READ_GRACE_MS = 2_000;

class RedisDelivery implements Delivery {
  constructor(
    readonly envelope: Envelope,
    readonly group: string,
    private readonly holds: StreamHolds,
    private readonly key: string,
    private readonly fields: Buffer[],
  ) {}

  ack(): void {
    this.holds.release(this.key);
  }

  // No longer renewed: another consumer takes it over after the visibility timeout.
  release(): void {
    this.holds.forget(this.key);
  }

  rawPayload(): Buffer | undefined {
    return fieldOf(this.fields, 'payload');
  }
}

/**
 * Reads a group's streams for one consumer and hands the entries to the dispatcher: at most
 * `prefetch` unacknowledged at once; a backlog band by band (highest priority first) with a
 * script, otherwise a blocking read on all bands. Meanwhile it renews its hold on what it was
 * given, takes over what dead consumers left, and trims what the group is done with.
 */
export class GroupReader {
  private readonly holds: StreamHolds;
  private readonly bandOf: Map<string, number>;
  private reader?: RedisClient;
  private readerId?: Promise<number | undefined>;
  private running?: Promise<void>;
  private stopping = false;
  // Set when a read suggests more entries wait than fit: the next ones go band by band.
  private backlog = false;
  private maintenance?: NodeJS.Timeout;
  private maintaining?: Promise<void>;
  private trimming?: Promise<void>;
  private lastReap = Date.now();
  private wake?: () => void;

  constructor(
    private readonly env: ConsumerEnvironment,
    private readonly group: string,
    private readonly streams: string[],
    private readonly handler: DeliveryHandler,
    private readonly recreateGroup: () => Promise<void>,
  ) {
    this.bandOf = new Map(streams.map((stream, band) => [stream, band]));
    this.holds = new StreamHolds(env, group, streams, () => this.afterAck());
  }

  async start(): Promise<void> {
    const role = `reader:${this.group}` as const;
    const reader = this.env.clients.create(role);
    this.reader = reader;
    reader.on('ready', () => {
      // Its id changes with every connection; stopping unblocks its read by id.
      if (!reader.isCluster) this.readerId = reader.client('ID').catch(() => undefined);
    });
    await this.env.clients.ready(reader, role);
    this.running = this.run();
    this.scheduleMaintenance(0);
  }

  /** Stops reading; what was handed out is still acknowledged. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.maintenance);
    this.wake?.();
    void this.unblock();
  }

  /** Stops, waits up to `timeoutMs` for handed-out messages to be acked, flushes acks, trims, disconnects. */
  async close(timeoutMs: number): Promise<void> {
    this.stop();
    // An unblock can arrive just before the read blocks; then it is sent again.
    for (let attempt = 0; attempt < 3 && !(await settlesWithin(this.running, 100)); attempt++) await this.unblock();
    if (!(await settlesWithin(this.running, BLOCK_MS + 500))) {
      // Redis is unreachable, so the read could not be unblocked: drop the connection under it.
      this.reader?.disconnect();
      await this.running;
    }
    await this.maintaining;
    const abandoned = await this.holds.settled(timeoutMs);
    if (abandoned > 0) {
      this.env.context.logger.warn(
        `${abandoned} message(s) of group ${this.group} still unacknowledged at close: redelivered after visibilityTimeoutMs`,
      );
    }
    await this.holds.flush();
    await this.trim();
    if (this.reader) await this.env.clients.quit(this.reader);
  }

  /** Ends a blocking read of this reader at once (not possible on a cluster: the read times out). */
  private async unblock(): Promise<void> {
    const id = await this.readerId;
    if (id !== undefined) await this.env.client.client('UNBLOCK', id).catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const room = this.env.options.prefetch - this.holds.size;
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        const entries = this.backlog ? await this.take(room) : await this.readBlocking(room);
        await this.deliver(entries);
      } catch (error) {
        if (this.stopping) break;
        await this.recover(error);
      }
    }
  }

  private async take(room: number): Promise<Entry[]> {
    const bands = await this.env.scripts.take(this.streams, this.group, this.env.consumerName, room);
    const entries = bands.flatMap(([band, raw]) => raw.map((entry) => toEntry(band, entry, 1)));
    this.backlog = entries.length >= room;
    return entries;
  }

  private async readBlocking(room: number): Promise<Entry[]> {
    const perStream = Math.max(1, Math.ceil(room / this.streams.length));
    const reply = (await this.watched(
      (this.reader as RedisClient).xreadgroupBuffer(
        'GROUP', this.group, this.env.consumerName, 'COUNT', perStream, 'BLOCK', BLOCK_MS,
        'STREAMS', ...this.streams, ...this.streams.map(() => '>'),
      ),
    )) as [Buffer, RawEntry[]][] | null;
    if (reply === null) return [];
    const entries: Entry[] = [];
    for (const [stream, raw] of reply) {
      const band = this.bandOf.get(stream.toString()) as number;
      // A full batch from a band means more may wait, perhaps in other bands: go band by band.
      if (raw.length >= perStream) this.backlog = true;
      for (const entry of raw) entries.push(toEntry(band, entry, 1));
    }
    return entries;
  }

  /**
   * The read's answer; each time it is overdue the reader's connection is dropped (told once per
   * outage). ioredis reconnects and sends the read again, so its answer still arrives here.
   */
  private async watched<T>(read: Promise<T>): Promise<T> {
    let told = false;
    while (!(await settlesWithin(read, BLOCK_MS + READ_GRACE_MS)) && !this.stopping) {
      if (!told) {
        this.env.context.logger.warn(
          `Group ${this.group}: no answer from Redis to a blocking read within ${BLOCK_MS + READ_GRACE_MS} ms; reconnecting its connection`,
        );
      }
      told = true;
      this.reader?.disconnect(true);
    }
    return read;
  }

  private async deliver(entries: Entry[]): Promise<void> {
    for (let i = 0; i < entries.length; i++) {
      if (this.stopping) {
        await this.holds.giveBack(entries.slice(i));
        return;
      }
      const accepted = this.deliverOne(entries[i]);
      if (accepted) await accepted;
    }
  }

  private deliverOne(entry: Entry): void | Promise<void> {
    const key = this.holds.keyOf(entry);
    if (this.holds.has(key)) return;
    const decoded = decodeEntry(entry.id, entry.fields, this.env.decoding);
    if (!decoded.ok) return this.holds.rejectUndecodable(entry, decoded.problem, decoded.raw);
    let envelope = decoded.envelope;
    if (entry.deliveries > 1) {
      // Taken over from a consumer that died or stalled: each delivery counts as an attempt.
      envelope = { ...envelope, attempt: envelope.attempt + entry.deliveries - 1 };
      if (envelope.attempt > envelope.maxAttempts) return this.holds.rejectExhausted(entry, envelope);
    }
    this.holds.hold(key, entry);
    try {
      return this.handler(new RedisDelivery(envelope, this.group, this.holds, key, entry.fields));
    } catch (error) {
      // Refused (a full queue with `reject-new`): left pending, so it is redelivered later.
      this.holds.forget(key);
      this.env.context.logger.warn(`Group ${this.group} refused ${envelope.topic} (id=${envelope.id}): ${(error as Error).message}`);
    }
  }

  private afterAck(): void {
    this.wake?.();
    this.wake = undefined;
    if (this.holds.acksSinceTrim >= TRIM_AFTER_ACKS) void this.trim();
  }

  private scheduleMaintenance(delayMs: number): void {
    if (this.stopping) return;
    this.maintenance = setTimeout(() => {
      this.maintaining = this.maintain().finally(() => {
        this.maintaining = undefined;
        this.scheduleMaintenance(this.env.maintenanceIntervalMs);
      });
    }, delayMs);
  }

  // Renew holds first, so this instance's own slow messages never look abandoned to the claim.
  private async maintain(): Promise<void> {
    const { env } = this;
    try {
      await this.holds.renew(env.maintenanceIntervalMs);
      const room = env.options.prefetch - this.holds.size;
      if (room > 0 && !this.stopping) {
        const claimed = await env.scripts.claim(this.streams, this.group, env.consumerName, env.options.visibilityTimeoutMs, room);
        await this.deliver(claimed.map(([band, id, deliveries, fields]) => ({ band, id: id.toString(), deliveries, fields })));
      }
      if (this.holds.acksSinceTrim > 0) await this.trim();
      if (Date.now() - this.lastReap >= env.options.instanceTtlMs) {
        this.lastReap = Date.now();
        await env.scripts.dropConsumers(this.streams, this.group, '', 2 * env.options.instanceTtlMs, env.consumerName);
      }
    } catch (error) {
      env.context.logger.warn(`Maintenance of group ${this.group} failed: ${env.scrubber.message(error)}`);
    }
  }

  private trim(): Promise<void> {
    this.trimming ??= this.holds.trim().finally(() => (this.trimming = undefined));
    return this.trimming;
  }

  private async recover(error: unknown): Promise<void> {
    const message = this.env.scrubber.message(error);
    if (message.includes('NOGROUP')) {
      // The stream or its group is gone (Redis lost its data, or someone deleted it): recreate.
      this.backlog = true;
      await this.recreateGroup().catch(() => undefined);
    } else {
      this.env.context.logger.warn(`Reading group ${this.group} failed: ${message}; retrying`);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
  }
}

function toEntry(band: number, [id, fields]: RawEntry, deliveries: number): Entry {
  return { band, id: id.toString(), deliveries, fields };
}

function settlesWithin(work: Promise<unknown> | undefined, timeoutMs: number): Promise<boolean> {
  if (work === undefined) return Promise.resolve(true);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  return Promise.race([work.then(() => true), timedOut]).finally(() => clearTimeout(timer));
}
