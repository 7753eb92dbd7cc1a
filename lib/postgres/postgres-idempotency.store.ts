import type { Pool } from 'pg';
import { currentIdempotencyKey } from '../dispatch/idempotency-scope.js';
import { InvalidHandlerError } from '../messages/errors.js';
import type { ClaimResult, IdempotencyStore } from '../transports/contract/idempotency-store.js';
import { tableName } from './sql-names.js';
import { rowsOf, type SqlTransaction } from './sql-transaction.js';

/** Options of {@link PostgresIdempotencyStore}. @publicApi */
export interface PostgresIdempotencyStoreOptions {
  /** Table name, optionally schema-qualified (`app.inbox`); default `message_bus_inbox`. */
  table?: string;
  /** How long `markHandled` keeps a key; give the module's `idempotency.windowMs`; default 24 h. */
  windowMs?: number;
}

/**
 * The inbox: idempotency keys in a PostgreSQL table, so an `idempotent` handler that writes to
 * PostgreSQL can record "handled" in the same transaction as its own writes. Either both commit
 * or neither does: a message redelivered after the commit (the process died before the ack) is
 * skipped, one redelivered after a rollback runs again. Exactly one effect per message.
 *
 * ```ts
 * MessageBusModule.forRoot('redis://…', { idempotency: { store: inbox } })
 *
 * @EventHandler(PaymentReceived, { idempotent: true })
 * async received(event: PaymentReceived) {
 *   await inTransaction(pool, async (tx) => {
 *     if (!(await inbox.markHandled(tx))) return; // another delivery of it committed first
 *     await tx.query('UPDATE accounts SET balance = balance + $2 WHERE id = $1', [event.account, event.amount]);
 *   });
 * }
 * ```
 * Handlers that do not call `markHandled` get the plain behaviour of a shared store.
 * @publicApi
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  /** The inbox table, as given (optionally schema-qualified). */
  readonly table: string;
  private readonly windowMs: number;

  constructor(
    private readonly pool: Pool,
    options: PostgresIdempotencyStoreOptions = {},
  ) {
    this.table = tableName(options.table ?? 'message_bus_inbox');
    this.windowMs = options.windowMs ?? 24 * 3600_000;
  }

  /** The table's DDL (idempotent): run it in a migration, or call `createTables()`. */
  get sql(): string {
    return `CREATE TABLE IF NOT EXISTS ${this.table} (
  key text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('running', 'done')),
  expires_at timestamptz NOT NULL
)`;
  }

  /** Creates the table unless it exists. */
  async createTables(): Promise<void> {
    await this.pool.query(this.sql);
  }

  async claim(key: string, claimTtlMs: number): Promise<ClaimResult> {
    const { rows } = await this.pool.query<{ result: ClaimResult }>(
      `WITH claimed AS (
  INSERT INTO ${this.table} AS inbox (key, state, expires_at) VALUES ($1, 'running', now() + $2 * interval '1 millisecond')
  ON CONFLICT (key) DO UPDATE SET state = 'running', expires_at = EXCLUDED.expires_at WHERE inbox.expires_at <= now()
  RETURNING 1)
SELECT CASE WHEN EXISTS (SELECT 1 FROM claimed) THEN 'claimed'
  WHEN (SELECT state FROM ${this.table} WHERE key = $1) = 'done' THEN 'done' ELSE 'in-progress' END AS result`,
      [key, claimTtlMs],
    );
    return rows[0].result;
  }

  async commit(key: string, windowMs: number): Promise<void> {
    await this.pool.query(`UPDATE ${this.table} SET state = 'done', expires_at = now() + $2 * interval '1 millisecond' WHERE key = $1`, [
      key,
      windowMs,
    ]);
  }

  async release(key: string): Promise<void> {
    // A key marked handled in a transaction that committed stays, whatever the handler did after.
    await this.pool.query(`DELETE FROM ${this.table} WHERE key = $1 AND state = 'running'`, [key]);
  }

  /**
   * Inside an `idempotent` handler, in its transaction `tx`: records this message handled,
   * committed with the handler's writes. Resolves `false` when another delivery of the message
   * committed first; the handler should then roll back and return.
   */
  async markHandled(tx: SqlTransaction): Promise<boolean> {
    const key = currentIdempotencyKey();
    if (key === undefined) throw new InvalidHandlerError('markHandled() runs inside an idempotent handler (idempotent: true)');
    // Row-locked: a concurrent delivery's update waits for this transaction, then finds the key done.
    // A SELECT over the UPDATE: TypeORM's query() resolves an UPDATE as [rows, count], a SELECT as its rows.
    const result = await tx.query(
      `WITH marked AS (UPDATE ${this.table} SET state = 'done', expires_at = now() + $2 * interval '1 millisecond'
  WHERE key = $1 AND state = 'running' RETURNING key)
SELECT key FROM marked`,
      [key, this.windowMs],
    );
    return rowsOf(result).length === 1;
  }

  /** Deletes the keys past their window (and crashed claims past their TTL); resolves how many. */
  async deleteExpired(): Promise<number> {
    const result = await this.pool.query(`DELETE FROM ${this.table} WHERE expires_at <= now()`);
    return result.rowCount ?? 0;
  }
}
