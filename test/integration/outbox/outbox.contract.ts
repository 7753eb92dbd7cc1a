import { expect, it } from 'vitest';
import type { Transport } from 'nestjs-message-bus';
import { OutboxRelay, PostgresOutbox } from 'nestjs-message-bus/postgres';
import { until, type AppTracker } from '../../support/bus-app.js';
import { inTransaction, type PostgresFixture } from '../../support/postgres.js';
import { OrderPlaced, Received, startOutboxApp } from './outbox-app.js';

export interface OutboxContractSetup {
  apps: AppTracker;
  postgres: PostgresFixture;
  /** A transport on the test's own namespace; two calls in one test share it. */
  transport(): Transport;
}

/** The outbox's promises, the same on every transport. */
export function outboxContract(setup: OutboxContractSetup): void {
  const { apps, postgres } = setup;
  let tables = 0;
  const newOutbox = async (): Promise<PostgresOutbox> => {
    tables += 1;
    const outbox = new PostgresOutbox(postgres.pool, { table: `${postgres.schema}.outbox_${tables}`, channel: `${postgres.schema}_${tables}` });
    await outbox.createTables();
    await postgres.pool.query(`CREATE TABLE ${postgres.schema}.orders_${tables} (id text PRIMARY KEY)`);
    return outbox;
  };
  const placeOrder = (outbox: PostgresOutbox, orderId: string) =>
    inTransaction(postgres.pool, async (client) => {
      await client.query(`INSERT INTO ${postgres.schema}.orders_${tables} (id) VALUES ($1)`, [orderId]);
      return outbox.publish(client, new OrderPlaced(orderId));
    });
  const unsent = async (outbox: PostgresOutbox) =>
    Number((await postgres.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${outbox.table} WHERE sent_at IS NULL`)).rows[0].n);

  it('publishes nothing from a rolled-back transaction', async ({ skip }) => {
    if (!postgres.up) skip();
    const outbox = await newOutbox();
    const app = await startOutboxApp(apps, setup.transport(), outbox);
    const rolledBack = inTransaction(postgres.pool, async (client) => {
      await client.query(`INSERT INTO ${postgres.schema}.orders_${tables} (id) VALUES ('rolled-back')`);
      await outbox.publish(client, new OrderPlaced('rolled-back'));
      throw new Error('the payment was declined');
    });
    await expect(rolledBack).rejects.toThrow('the payment was declined');
    // A committed message after it, as a marker: once it arrived, the relay has passed the other by.
    await placeOrder(outbox, 'committed');
    const received = app.get(Received);
    await until(() => received.orders.includes('committed'), 5000, 'the committed order');
    expect(received.orders).toEqual(['committed']);
    const { rows } = await postgres.pool.query<{ topic: string }>(`SELECT topic FROM ${outbox.table}`);
    expect(rows).toHaveLength(1);
  });

  it('publishes a committed message once, under the id its row was given', async ({ skip }) => {
    if (!postgres.up) skip();
    const outbox = await newOutbox();
    const app = await startOutboxApp(apps, setup.transport(), outbox, { pollIntervalMs: 60_000 });
    const started = Date.now();
    const id = await placeOrder(outbox, 'o-1');
    const received = app.get(Received);
    // The poll interval is a minute: only the commit's notification can wake the relay this soon.
    await until(() => received.ids.length === 1, 5000, 'the order');
    const latencyMs = Date.now() - started;
    expect(received.ids).toEqual([id]);
    await until(() => unsent(outbox).then((n) => n === 0), 5000, 'the row marked sent');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.ids).toEqual([id]);
    expect(app.get(OutboxRelay).stats()).toMatchObject({ forwarded: 1, failed: 0 });
    console.log(`outbox: commit to handled in ${latencyMs} ms (woken by NOTIFY)`);
  });

  it('forwards by polling when no notification reaches the relay', async ({ skip }) => {
    if (!postgres.up) skip();
    const outbox = await newOutbox();
    // The relay listens on a channel no commit notifies: only its poll can find the row.
    const unheard = new PostgresOutbox(postgres.pool, { table: outbox.table, channel: `${outbox.channel}_unheard` });
    const app = await startOutboxApp(apps, setup.transport(), unheard, { pollIntervalMs: 300 });
    const id = await placeOrder(outbox, 'polled');
    const received = app.get(Received);
    await until(() => received.ids.length === 1, 5000, 'the polled order');
    expect(received.ids).toEqual([id]);
    await until(() => unsent(outbox).then((n) => n === 0), 5000, 'the row marked sent');
  });

  it('marks sent only what the transport took: a refused row stays unsent, its error noted, tried again', async ({ skip }) => {
    if (!postgres.up) skip();
    const outbox = await newOutbox();
    // The bus takes at most 1 KiB: publishing the large row fails on every round.
    const app = await startOutboxApp(apps, setup.transport(), outbox, { pollIntervalMs: 100, retryDelayMs: 20 }, { maxPayloadBytes: 1024 });
    const large = await inTransaction(postgres.pool, (client) => outbox.publish(client, new OrderPlaced('x'.repeat(4096))));
    const small = await placeOrder(outbox, 'small');
    const received = app.get(Received);
    await until(() => received.ids.includes(small), 5000, 'the small order');
    const row = async () =>
      (
        await postgres.pool.query<{ attempts: number; last_error: string; sent: boolean }>(
          `SELECT attempts, last_error, sent_at IS NOT NULL AS sent FROM ${outbox.table} WHERE id = $1`,
          [large],
        )
      ).rows[0];
    await until(async () => (await row()).attempts >= 3, 5000, 'three refused forwards');
    expect(await row()).toMatchObject({ sent: false, last_error: expect.stringContaining('exceeds maxPayloadBytes (1024)') });
    expect(received.ids).toEqual([small]);
    expect(app.get(OutboxRelay).stats()).toMatchObject({ forwarded: 1, failed: expect.any(Number) });
    expect(app.get(OutboxRelay).stats().failed).toBeGreaterThanOrEqual(3);
    expect(await unsent(outbox)).toBe(1);
  });

  it('forwards each row once with two relays at work', async ({ skip }) => {
    if (!postgres.up) skip();
    const outbox = await newOutbox();
    const first = await startOutboxApp(apps, setup.transport(), outbox, { batchSize: 20 });
    const second = await startOutboxApp(apps, setup.transport(), outbox, { batchSize: 20 });
    const orders = Array.from({ length: 1000 }, (_, n) => `o-${n}`);
    const ids = new Set<string>();
    for (let start = 0; start < orders.length; start += 20) {
      const placed = await Promise.all(orders.slice(start, start + 20).map((orderId) => placeOrder(outbox, orderId)));
      for (const id of placed) ids.add(id);
    }
    const handled = () => [...first.get(Received).ids, ...second.get(Received).ids];
    await until(() => handled().length >= 1000, 30_000, 'every order');
    await until(() => unsent(outbox).then((n) => n === 0), 5000, 'every row marked sent');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handled()).toHaveLength(1000);
    expect(new Set(handled())).toEqual(ids);
    const [a, b] = [first.get(OutboxRelay).stats().forwarded, second.get(OutboxRelay).stats().forwarded];
    expect(a + b).toBe(1000);
    console.log(`outbox: 1,000 rows, two relays forwarded ${a} + ${b}, none twice`);
  }, 60_000);
}
