import type { Pool } from 'pg';
import type { SagaStore, StoredSaga } from '../sagas/saga-store.js';
import { tableName } from './sql-names.js';

/**
 * Saga instances in a PostgreSQL table, one row per instance with a version column: an update
 * is `UPDATE … WHERE version = $expected`, so of two concurrent writers only one wins.
 *
 * ```ts
 * SagaModule.forRoot({ store: new PostgresSagaStore(new Pool({ connectionString })) })
 * ```
 * Call `createTable()` once (or run the SQL it prints in `sql`) before the first saga starts.
 * @publicApi
 */
export class PostgresSagaStore implements SagaStore {
  constructor(
    private readonly pool: Pool,
    /** Table name, optionally schema-qualified (`app.sagas`). */
    readonly table = 'message_bus_sagas',
  ) {
    tableName(table);
  }

  /** The table's DDL (idempotent). */
  get sql(): string {
    return `CREATE TABLE IF NOT EXISTS ${this.table} (
  saga_name text NOT NULL,
  saga_id text NOT NULL,
  version integer NOT NULL,
  data jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (saga_name, saga_id)
)`;
  }

  async createTable(): Promise<void> {
    await this.pool.query(this.sql);
  }

  async load(sagaName: string, sagaId: string): Promise<StoredSaga | undefined> {
    const { rows } = await this.pool.query<{ data: string; version: number }>(
      `SELECT data::text AS data, version FROM ${this.table} WHERE saga_name = $1 AND saga_id = $2`,
      [sagaName, sagaId],
    );
    return rows[0];
  }

  async save(sagaName: string, sagaId: string, data: string, expectedVersion: number): Promise<boolean> {
    const result =
      expectedVersion === 0
        ? await this.pool.query(
            `INSERT INTO ${this.table} (saga_name, saga_id, version, data) VALUES ($1, $2, 1, $3::jsonb) ON CONFLICT DO NOTHING`,
            [sagaName, sagaId, data],
          )
        : await this.pool.query(
            `UPDATE ${this.table} SET version = version + 1, data = $3::jsonb, updated_at = now() WHERE saga_name = $1 AND saga_id = $2 AND version = $4`,
            [sagaName, sagaId, data, expectedVersion],
          );
    return result.rowCount === 1;
  }

  async remove(sagaName: string, sagaId: string, expectedVersion: number): Promise<boolean> {
    const result = await this.pool.query(`DELETE FROM ${this.table} WHERE saga_name = $1 AND saga_id = $2 AND version = $3`, [
      sagaName,
      sagaId,
      expectedVersion,
    ]);
    return result.rowCount === 1;
  }
}
