import type { Pool } from 'pg';
import { assertPublishOptions } from '../dispatch/envelope-builder.js';
import { messageScope } from '../dispatch/message-scope.js';
import { deferredMessage, stamped, type DeferredMessage } from '../messages/deferred-message.js';
import type { PublishOptions } from '../messages/envelope.js';
import type { MessageBus } from '../message-bus.js';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
import { baseName, plainName, tableName } from './sql-names.js';
import type { SqlTransaction } from './sql-transaction.js';

/** Options of {@link PostgresOutbox}. @publicApi */
export interface PostgresOutboxOptions {
  /** Table name, optionally schema-qualified (`app.outbox`); default `message_bus_outbox`. */
  table?: string;
  /** The `LISTEN`/`NOTIFY` channel that wakes the relays; default the table's name without schema. */
  channel?: string;
}

/**
 * A transactional outbox on PostgreSQL. `publish` and `send` take the application's open
 * transaction and write the message as a row of the outbox table: it leaves only if that
 * transaction commits, and then surely, even if the process dies right after the commit. A
 * relay in every instance forwards committed rows to the bus, under the row's id as message id.
 *
 * ```ts
 * const outbox = new PostgresOutbox(pool);
 * await outbox.createTables();
 * const client = await pool.connect();
 * await client.query('BEGIN');
 * await client.query('INSERT INTO orders (id) VALUES ($1)', [orderId]);
 * await outbox.publish(client, new OrderPlaced(orderId));
 * await client.query('COMMIT');
 * ```
 * @publicApi
 */
export class PostgresOutbox {
  /** The outbox table, as given (optionally schema-qualified). */
  readonly table: string;
  /** The `LISTEN`/`NOTIFY` channel of its relays. */
  readonly channel: string;

  constructor(
    private readonly pool: Pool,
    options: PostgresOutboxOptions = {},
  ) {
    this.table = tableName(options.table ?? 'message_bus_outbox');
    this.channel = plainName(options.channel ?? baseName(this.table));
  }

  /** The table's DDL (idempotent): run it in a migration, or call `createTables()`. */
  get sql(): string {
    const name = baseName(this.table);
    return `CREATE TABLE IF NOT EXISTS ${this.table} (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('event', 'command')),
  topic text NOT NULL,
  payload jsonb,
  options jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  sent_at timestamptz
);
CREATE INDEX IF NOT EXISTS ${name}_unsent ON ${this.table} (seq) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS ${name}_sent ON ${this.table} (sent_at) WHERE sent_at IS NOT NULL`;
  }

  /** Creates the table and its indexes unless they exist. */
  async createTables(): Promise<void> {
    await this.pool.query(this.sql);
  }

  /**
   * Records an event in `tx`; it is published once `tx` commits. Resolves the message id
   * (`options.messageId`, else a new one), which every copy the relay forwards carries.
   */
  publish(tx: SqlTransaction, event: object, options?: PublishOptions): Promise<string>;
  publish(tx: SqlTransaction, topic: string, payload: unknown, options?: PublishOptions): Promise<string>;
  publish(tx: SqlTransaction, eventOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): Promise<string> {
    return this.record(tx, deferredMessage('event', eventOrTopic, payloadOrOptions, options));
  }

  /** Records a command in `tx`; it is sent once `tx` commits. Resolves the message id. */
  send(tx: SqlTransaction, command: object, options?: PublishOptions): Promise<string>;
  send(tx: SqlTransaction, topic: string, payload: unknown, options?: PublishOptions): Promise<string>;
  send(tx: SqlTransaction, commandOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): Promise<string> {
    return this.record(tx, deferredMessage('command', commandOrTopic, payloadOrOptions, options));
  }

  /**
   * A relay forwarding this outbox's rows to `bus`. It starts with the application (or
   * `start()`) and stops before the bus closes (or `close()`); register it as a provider:
   *
   * ```ts
   * { provide: OutboxRelay, useFactory: (bus: MessageBus) => outbox.relay(bus), inject: [MessageBus] }
   * ```
   */
  relay(bus: MessageBus, options?: OutboxRelayOptions): OutboxRelay {
    return OutboxRelay.create(this.pool, this.table, this.channel, bus, options);
  }

  private async record(tx: SqlTransaction, message: DeferredMessage): Promise<string> {
    if (message.options !== undefined) assertPublishOptions(message.options);
    // Forwarded later, outside this handler: its id and conversation go with the row.
    const { messageId: id, ...options } = stamped(message, messageScope.getStore()).options;
    await tx.query(
      `WITH recorded AS (INSERT INTO ${this.table} (id, kind, topic, payload, options) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb) RETURNING 1)
SELECT pg_notify($6, '') FROM recorded`,
      [id, message.kind, message.topic, JSON.stringify(message.payload) ?? null, JSON.stringify(options), this.channel],
    );
    return id;
  }
}
