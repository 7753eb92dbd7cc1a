import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { EventHandler, MessageContext, Topic } from 'nestjs-message-bus';
import { PostgresIdempotencyStore } from 'nestjs-message-bus/postgres';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { until } from '../../support/bus-app.js';
import { REDIS_URL } from '../../support/brokers.js';
import { inTransaction, usePostgres, type PostgresFixture } from '../../support/postgres.js';
import { useRedisFixture } from '../redis/support/redis-fixture.js';

@Topic('Test.Inbox.PaymentReceived')
class PaymentReceived {
  constructor(
    readonly account: string,
    readonly amount: number,
  ) {}
}

/** Credits an account in PostgreSQL; on its first attempt, dies (throws) right after its commit. */
@Injectable()
class Ledger {
  static postgres: PostgresFixture;
  static inbox: PostgresIdempotencyStore;
  static failAfterCommit = false;
  readonly attempts: number[] = [];
  skipped = 0;

  @EventHandler(PaymentReceived, { idempotent: true, retry: { maxAttempts: 3, initialDelayMs: 50 } })
  async received(event: PaymentReceived, context: MessageContext): Promise<void> {
    this.attempts.push(context.attempt);
    const { pool, schema } = Ledger.postgres;
    await inTransaction(pool, async (tx) => {
      if (!(await Ledger.inbox.markHandled(tx))) {
        this.skipped += 1;
        return;
      }
      await tx.query(`UPDATE ${schema}.accounts SET balance = balance + $2 WHERE id = $1`, [event.account, event.amount]);
    });
    if (Ledger.failAfterCommit && context.attempt === 1) throw new Error('the process died before its ack');
  }
}

describe('inbox: idempotency keys on PostgreSQL', () => {
  const { apps, namespaces } = useRedisFixture();
  const postgres = usePostgres('inbox');
  Ledger.postgres = postgres;

  async function start(account: string) {
    Ledger.inbox = new PostgresIdempotencyStore(postgres.pool, { table: `${postgres.schema}.inbox_${account.replace("-", "_")}` });
    await Ledger.inbox.createTables();
    await postgres.pool.query(`CREATE TABLE IF NOT EXISTS ${postgres.schema}.accounts (id text PRIMARY KEY, balance integer NOT NULL)`);
    await postgres.pool.query(`INSERT INTO ${postgres.schema}.accounts (id, balance) VALUES ($1, 0)`, [account]);
    return apps.start({
      transport: new RedisTransport({ url: REDIS_URL, prefix: namespaces.next() }),
      options: { idempotency: { store: Ledger.inbox } },
      providers: [Ledger],
    });
  }
  const balance = async (account: string) =>
    (await postgres.pool.query<{ balance: number }>(`SELECT balance FROM ${postgres.schema}.accounts WHERE id = $1`, [account])).rows[0].balance;

  it('credits once for a message delivered twice', async ({ skip }) => {
    if (!postgres.up) skip();
    Ledger.failAfterCommit = false;
    const app = await start('a-1');
    await app.bus.publish(new PaymentReceived('a-1', 10), { messageId: 'payment-1' });
    await until(() => app.bus.getStats().delivered === 1, 5000, 'the first delivery');
    await app.bus.publish(new PaymentReceived('a-1', 10), { messageId: 'payment-1' });
    await until(() => app.bus.getStats().duplicates === 1, 5000, 'the second delivery');
    expect(app.get(Ledger).attempts).toEqual([1]);
    expect(await balance('a-1')).toBe(10);
    expect(app.bus.getStats().duplicates).toBe(1);
  });

  it('credits once when the handler committed but the message came back (its ack was lost)', async ({ skip }) => {
    if (!postgres.up) skip();
    Ledger.failAfterCommit = true;
    const app = await start('a-2');
    await app.bus.publish(new PaymentReceived('a-2', 25), { messageId: 'payment-2' });
    // The redelivery finds the key committed with the credit: skipped, not credited again.
    await until(() => app.bus.getStats().duplicates === 1, 5000, 'the redelivery to be skipped');
    expect(app.get(Ledger).attempts).toEqual([1]);
    expect(await balance('a-2')).toBe(25);
    const { rows } = await postgres.pool.query<{ state: string }>(`SELECT state FROM ${Ledger.inbox.table}`);
    expect(rows).toEqual([{ state: 'done' }]);
  });

  it('credits again after a rollback: the key goes with the transaction', async ({ skip }) => {
    if (!postgres.up) skip();
    Ledger.failAfterCommit = false;
    const app = await start('a-3');
    await postgres.pool.query(`ALTER TABLE ${postgres.schema}.accounts ADD CONSTRAINT under_limit_a3 CHECK (id <> 'a-3' OR balance <= 100)`);
    await app.bus.publish(new PaymentReceived('a-3', 500), { messageId: 'payment-3' });
    // The credit breaks the limit on every attempt: each rolls back its key, so each runs again.
    await until(() => app.bus.getStats().deadLettered === 1, 5000, 'three attempts, then a dead letter');
    expect(app.get(Ledger).attempts).toEqual([1, 2, 3]);
    await postgres.pool.query(`ALTER TABLE ${postgres.schema}.accounts DROP CONSTRAINT under_limit_a3`);
    expect(await balance('a-3')).toBe(0);
    expect(app.bus.getStats().duplicates).toBe(0);
    const { rows } = await postgres.pool.query(`SELECT key FROM ${Ledger.inbox.table}`);
    expect(rows).toEqual([]);
  });
});
