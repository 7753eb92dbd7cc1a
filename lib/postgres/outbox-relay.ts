import { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { toError } from '../messages/errors.js';
import { sendDeferred } from '../messages/deferred-message.js';
import type { MessageKind, PublishOptions } from '../messages/envelope.js';
import type { MessageBus } from '../message-bus.js';
import type { BusLogger } from '../transports/contract/transport.js';

/** Options of an {@link OutboxRelay}. @publicApi */
export interface OutboxRelayOptions {
  /** Rows claimed and forwarded per round; default 100. */
  batchSize?: number;
  /** How often the table is looked at when no notification arrives; default 1000 ms. */
  pollIntervalMs?: number;
  /** First delay before a row whose forward failed is tried again (doubling, up to 60 s); default 1000 ms. */
  retryDelayMs?: number;
  /** Sent rows are deleted this long after they were sent; default one day. */
  keepSentMs?: number;
  /** Where failed rounds and forwards are logged; default Nest's `Logger('OutboxRelay')`. */
  logger?: BusLogger;
}

/** Counters of one relay. @publicApi */
export interface OutboxRelayStats {
  /** Rows forwarded and marked sent. */
  forwarded: number;
  /** Forwards the transport refused (each row is tried again later). */
  failed: number;
  /** Sent rows deleted past `keepSentMs`. */
  purged: number;
}

interface OutboxRow {
  id: string;
  kind: Extract<MessageKind, 'event' | 'command'>;
  topic: string;
  payload: string | null;
  options: string;
}

const MAX_RETRY_DELAY_MS = 60_000;
const PURGE_EVERY_MS = 60_000;

/**
 * Forwards committed outbox rows to the bus. Every instance runs one: a round claims up to
 * `batchSize` unsent rows with `FOR UPDATE SKIP LOCKED` (so relays never forward the same row at
 * once), publishes them, and marks sent those the transport confirmed, in the same database
 * transaction. A relay that dies mid-round leaves its rows unmarked; they are forwarded again
 * (the same message id) by whichever relay comes next: at least once, never lost.
 * Woken by `LISTEN`/`NOTIFY` when a transaction commits a row; polls as a fallback.
 * @publicApi
 */
export class OutboxRelay {
  private readonly counters: OutboxRelayStats = { forwarded: 0, failed: 0, purged: 0 };
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly keepSentMs: number;
  private readonly logger: BusLogger;
  private running = false;
  private loop?: Promise<void>;
  private listener?: PoolClient;
  private relisten?: NodeJS.Timeout;
  /** A notification arrived since the last round began. */
  private notified = false;
  private wakeUp?: () => void;
  private lastPurge = 0;

  /** @internal Built by `PostgresOutbox.relay()`. */
  static create(pool: Pool, table: string, channel: string, bus: MessageBus, options?: OutboxRelayOptions): OutboxRelay {
    return new OutboxRelay(pool, table, channel, bus, options);
  }

  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
    private readonly channel: string,
    private readonly bus: MessageBus,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.keepSentMs = options.keepSentMs ?? 86_400_000;
    this.logger = options.logger ?? new Logger('OutboxRelay');
  }

  /** Starts listening and forwarding; resolves once listening (the first round is under way). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listen();
    this.loop = this.run();
  }

  /** Stops: finishes the round in flight, stops listening. */
  async close(): Promise<void> {
    this.running = false;
    clearTimeout(this.relisten);
    this.wakeUp?.();
    await this.loop;
    const listener = this.listener;
    this.listener = undefined;
    if (listener !== undefined) {
      await listener.query(`UNLISTEN "${this.channel}"`).catch(() => undefined);
      listener.release();
    }
  }

  /** @internal Nest lifecycle: starts with the application. */
  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  /** @internal Nest lifecycle: stops before the bus closes. */
  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Counters since start. */
  stats(): OutboxRelayStats {
    return { ...this.counters };
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.notified = false;
      let claimed = 0;
      try {
        claimed = await this.round();
        if (claimed < this.batchSize) await this.purge();
      } catch (error) {
        this.logger.error(`Outbox relay on ${this.table} failed a round: ${toError(error).message}`);
      }
      if (claimed < this.batchSize) await this.idle();
    }
  }

  /** Claims, forwards and marks one batch; resolves how many rows it claimed. */
  private async round(): Promise<number> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, kind, topic, payload::text AS payload, options::text AS options FROM ${this.table}
WHERE sent_at IS NULL AND next_attempt_at <= now() ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      const outcomes = await Promise.allSettled(rows.map((row) => this.forward(row)));
      const sent = rows.filter((_, index) => outcomes[index].status === 'fulfilled').map((row) => row.id);
      if (sent.length > 0) await client.query(`UPDATE ${this.table} SET sent_at = now() WHERE id = ANY($1)`, [sent]);
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'rejected') await this.failed(client, rows[index], toError(outcome.reason));
      }
      await client.query('COMMIT');
      this.counters.forwarded += sent.length;
      return rows.length;
    } catch (error) {
      broken = toError(error);
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private forward(row: OutboxRow): Promise<void> {
    const options = { ...(JSON.parse(row.options) as PublishOptions), messageId: row.id };
    const payload: unknown = row.payload === null ? undefined : JSON.parse(row.payload);
    return sendDeferred(this.bus, { kind: row.kind, topic: row.topic, payload, options });
  }

  private async failed(client: PoolClient, row: OutboxRow, error: Error): Promise<void> {
    this.counters.failed += 1;
    this.logger.warn(`Outbox relay could not forward ${row.topic} (id=${row.id}); trying again later: ${error.message}`);
    await client.query(
      `UPDATE ${this.table} SET attempts = attempts + 1, last_error = $2,
  next_attempt_at = now() + least($3 * power(2, attempts), $4) * interval '1 millisecond' WHERE id = $1`,
      [row.id, error.message, this.retryDelayMs, MAX_RETRY_DELAY_MS],
    );
  }

  /** Deletes rows sent longer ago than `keepSentMs`, at most once a minute. */
  private async purge(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    const result = await this.pool.query(`DELETE FROM ${this.table} WHERE sent_at < now() - $1 * interval '1 millisecond'`, [
      this.keepSentMs,
    ]);
    this.counters.purged += result.rowCount ?? 0;
  }

  /** Waits for a notification or the poll interval, whichever comes first. */
  private idle(): Promise<void> {
    if (this.notified || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.pollIntervalMs);
      this.wakeUp = done;
    });
  }

  private wake(): void {
    this.notified = true;
    this.wakeUp?.();
  }

  /** Holds one pooled connection for `LISTEN`; on its loss, polling carries on and it listens again. */
  private async listen(): Promise<void> {
    try {
      const client = await this.pool.connect();
      client.on('notification', () => this.wake());
      client.on('error', (error: Error) => {
        this.logger.warn(`Outbox relay lost its LISTEN connection (polling meanwhile): ${error.message}`);
        if (this.listener === client) this.listener = undefined;
        client.release(error);
        this.listenLater();
      });
      await client.query(`LISTEN "${this.channel}"`);
      if (this.running) this.listener = client;
      else client.release();
    } catch (error) {
      this.logger.warn(`Outbox relay cannot LISTEN on ${this.channel} (polling meanwhile): ${toError(error).message}`);
      this.listenLater();
    }
  }

  private listenLater(): void {
    if (!this.running) return;
    this.relisten = setTimeout(() => void this.listen(), this.pollIntervalMs);
  }
}
