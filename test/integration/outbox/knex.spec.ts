import { Injectable } from '@nestjs/common';
import { knex, type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHandler, MessageContext, Topic } from 'nestjs-message-bus';
import { PostgresIdempotencyStore, PostgresOutbox, type SqlTransaction } from 'nestjs-message-bus/postgres';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { until } from '../../support/bus-app.js';
import { POSTGRES_URL, REDIS_URL } from '../../support/brokers.js';
import { usePostgres } from '../../support/postgres.js';
import { useRedisFixture } from '../redis/support/redis-fixture.js';
import { OrderPlaced, Received, startOutboxApp } from './outbox-app.js';

/** The Knex adapter of docs/guide/outbox.md: each `$n` becomes a `?` bound to its value, in the order they appear. */
const fromKnex = (trx: Knex.Transaction): SqlTransaction => ({
  query: async (sql, params) => {
    const bindings: unknown[] = [];
    const positional = sql.replace(/\$(\d+)/g, (_, n: string) => (bindings.push(params[Number(n) - 1]), '?'));
    return trx.raw(positional, bindings as Knex.RawBinding[]);
  },
});

@Topic('Test.Knex.PaymentReceived')
class PaymentReceived {
  constructor(
    readonly account: string,
    readonly amount: number,
  ) {}
}

/** Credits an account in a Knex transaction that also marks the message handled; on its first attempt, fails after the commit. */
@Injectable()
class KnexLedger {
  static db: Knex;
  static inbox: PostgresIdempotencyStore;
  static accounts: string;
  readonly attempts: number[] = [];

  @EventHandler(PaymentReceived, { idempotent: true, retry: { maxAttempts: 3, initialDelayMs: 50 } })
  async received(event: PaymentReceived, context: MessageContext): Promise<void> {
    this.attempts.push(context.attempt);
    await KnexLedger.db.transaction(async (trx) => {
      if (!(await KnexLedger.inbox.markHandled(fromKnex(trx)))) return;
      await trx(KnexLedger.accounts).where({ id: event.account }).increment('balance', event.amount);
    });
    if (context.attempt === 1) throw new Error('the process died before its ack');
  }
}

describe('outbox and inbox in a Knex transaction', () => {
  const { apps, namespaces } = useRedisFixture();
  const postgres = usePostgres('outbox_knex');
  let db: Knex;
  beforeAll(() => void (db = knex({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 4 } })));
  afterAll(() => db.destroy());

  it('publishes what a committed Knex transaction recorded, nothing of a rolled-back one', async ({ skip }) => {
    if (!postgres.up) skip();
    const outbox = new PostgresOutbox(postgres.pool, { table: `${postgres.schema}.outbox`, channel: `${postgres.schema}_outbox` });
    await outbox.createTables();
    await db.schema.withSchema(postgres.schema).createTable('orders', (table) => table.text('id').primary());
    const app = await startOutboxApp(apps, new RedisTransport({ url: REDIS_URL, prefix: namespaces.next() }), outbox);
    const orders = `${postgres.schema}.orders`;

    const rolledBack = db.transaction(async (trx) => {
      await trx(orders).insert({ id: 'rolled-back' });
      await outbox.publish(fromKnex(trx), new OrderPlaced('rolled-back'));
      throw new Error('the payment was declined');
    });
    await expect(rolledBack).rejects.toThrow('the payment was declined');
    const id = await db.transaction(async (trx) => {
      await trx(orders).insert({ id: 'committed' });
      return outbox.publish(fromKnex(trx), new OrderPlaced('committed'));
    });

    const received = app.get(Received);
    await until(() => received.ids.length === 1, 5000, 'the committed order');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.ids).toEqual([id]);
    expect(received.orders).toEqual(['committed']);
    expect(await db(orders).pluck('id')).toEqual(['committed']);
  });

  it('marks the message handled in the Knex transaction of its credit: redelivered, credited once', async ({ skip }) => {
    if (!postgres.up) skip();
    KnexLedger.db = db;
    KnexLedger.accounts = `${postgres.schema}.accounts`;
    KnexLedger.inbox = new PostgresIdempotencyStore(postgres.pool, { table: `${postgres.schema}.inbox` });
    await KnexLedger.inbox.createTables();
    await db.schema.withSchema(postgres.schema).createTable('accounts', (table) => {
      table.text('id').primary();
      table.integer('balance').notNullable();
    });
    await db(KnexLedger.accounts).insert({ id: 'k-1', balance: 0 });
    const app = await apps.start({
      transport: new RedisTransport({ url: REDIS_URL, prefix: namespaces.next() }),
      options: { idempotency: { store: KnexLedger.inbox } },
      providers: [KnexLedger],
    });

    await app.bus.publish(new PaymentReceived('k-1', 30), { messageId: 'payment-k-1' });
    // The first attempt committed its credit and then failed: the redelivery finds the key done.
    await until(() => app.bus.getStats().duplicates === 1, 5000, 'the redelivery to be skipped');
    expect(app.get(KnexLedger).attempts).toEqual([1]);
    expect(await db(KnexLedger.accounts).where({ id: 'k-1' }).first()).toEqual({ id: 'k-1', balance: 30 });
    expect(await db(KnexLedger.inbox.table).select('state')).toEqual([{ state: 'done' }]);
  });
});
