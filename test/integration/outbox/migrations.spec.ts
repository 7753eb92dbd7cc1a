import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresIdempotencyStore, PostgresOutbox, PostgresSagaStore } from 'nestjs-message-bus/postgres';
import { POSTGRES_URL } from '../../support/brokers.js';
import { usePostgres } from '../../support/postgres.js';

const MIGRATIONS = new URL('../../../lib/postgres/migrations/', import.meta.url);

/** Each shipped migration, with what `createTables()` makes of the same table in another schema. */
const CASES: Record<string, { table: string; create: (pool: pg.Pool, table: string) => Promise<void> }> = {
  '001_message_bus_outbox.sql': { table: 'message_bus_outbox', create: (pool, table) => new PostgresOutbox(pool, { table }).createTables() },
  '002_message_bus_inbox.sql': { table: 'message_bus_inbox', create: (pool, table) => new PostgresIdempotencyStore(pool, { table }).createTables() },
  '003_message_bus_sagas.sql': { table: 'message_bus_sagas', create: (pool, table) => new PostgresSagaStore(pool, table).createTable() },
};

/** Columns, constraints and indexes of `schema.table`, with the schema's name taken out. */
async function shape(pool: pg.Pool, schema: string, table: string) {
  const unqualified = (text: string | null) => text?.replaceAll(`${schema}.`, '') ?? null;
  const columns = await pool.query(
    `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  const constraints = await pool.query(
    `SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname`,
    [`${schema}.${table}`],
  );
  const indexes = await pool.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY indexname`, [
    schema,
    table,
  ]);
  return {
    columns: columns.rows.map((row) => ({ ...row, column_default: unqualified(row.column_default) })),
    constraints: constraints.rows,
    indexes: indexes.rows.map((row) => ({ ...row, indexdef: unqualified(row.indexdef) })),
  };
}

describe('SQL migrations', () => {
  const fromHelper = usePostgres('migrations_helper');
  const fromFiles = usePostgres('migrations_files');

  it('ships one file per table', () => {
    expect(readdirSync(MIGRATIONS).sort()).toEqual(Object.keys(CASES));
  });

  it.each(Object.entries(CASES))('%s creates exactly what createTables() creates', async (file, { table, create }) => {
    if (!fromHelper.up) return;
    await create(fromHelper.pool, `${fromHelper.schema}.${table}`);
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(`SET search_path TO ${fromFiles.schema}`);
      await client.query(readFileSync(new URL(file, MIGRATIONS), 'utf8'));
    } finally {
      await client.end();
    }
    const expected = await shape(fromHelper.pool, fromHelper.schema, table);
    expect(expected.columns.length).toBeGreaterThan(0);
    expect(await shape(fromFiles.pool, fromFiles.schema, table)).toEqual(expected);
  });
});
