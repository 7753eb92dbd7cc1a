/**
 * What the outbox and the inbox need of the application's open transaction: one statement with
 * `$1..$n` parameters, resolving its rows (an array, or a result with `rows`). A `pg` client
 * (`PoolClient`, `Client`) and TypeORM's `QueryRunner` or `EntityManager` are one as they are
 * (every statement is a `SELECT` at its top, which TypeORM resolves as its rows); Prisma and Knex
 * transactions take a small adapter (Knex binds `?` in order of appearance, and a statement may
 * name `$2` before `$1`):
 *
 * ```ts
 * const prisma: SqlTransaction = { query: (sql, params) => tx.$queryRawUnsafe(sql, ...params) };
 * const knex: SqlTransaction = {
 *   query: async (sql, params) => {
 *     const bindings: unknown[] = [];
 *     return trx.raw(sql.replace(/\$(\d+)/g, (_, n: string) => (bindings.push(params[Number(n) - 1]), '?')), bindings);
 *   },
 * };
 * ```
 * @publicApi
 */
export interface SqlTransaction {
  query(sql: string, params: unknown[]): Promise<unknown>;
}

/** The rows of a statement's result, whichever shape the transaction's library gives them in. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown } | null | undefined)?.rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}
