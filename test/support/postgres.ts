import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { brokerAvailable, POSTGRES_URL } from './brokers.js';

export interface PostgresFixture {
  /** False when PostgreSQL is unreachable outside CI (the tests skip). */
  readonly up: boolean;
  readonly pool: pg.Pool;
  /** A schema of this file's own, dropped with everything in it after the file. */
  readonly schema: string;
}

/** A pool and a fresh schema for one spec file. Call it inside the file's `describe`. */
export function usePostgres(label: string): PostgresFixture {
  const schema = `${label}_${randomBytes(4).toString('hex')}`;
  let up = false;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    up = await brokerAvailable('PostgreSQL', POSTGRES_URL);
    if (!up) return;
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 20 });
    await pool.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    if (pool === undefined) return;
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });
  return {
    get up() {
      return up;
    },
    get pool() {
      if (pool === undefined) throw new Error('The pool opens before the file');
      return pool;
    },
    schema,
  };
}

/** Runs `work` in a transaction of its own: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
