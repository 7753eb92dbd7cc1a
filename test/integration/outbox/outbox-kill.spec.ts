import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresOutbox } from 'nestjs-message-bus/postgres';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { until } from '../../support/bus-app.js';
import { POSTGRES_URL, REDIS_URL } from '../../support/brokers.js';
import { FixtureChild } from '../../support/fixture-child.js';
import { inTransaction, usePostgres } from '../../support/postgres.js';
import { useRedisFixture } from '../redis/support/redis-fixture.js';
import { OrderPlaced, Received, startOutboxApp } from './outbox-app.js';

const RELAY = fileURLToPath(new URL('./fixtures/relay-child.ts', import.meta.url));
const TRANSACTIONS = 10_000;
const WRITERS = 16;

describe('transactional outbox across a kill -9 of its relay', () => {
  const { apps, namespaces } = useRedisFixture();
  const postgres = usePostgres('outbox_kill');
  const children: FixtureChild[] = [];
  afterEach(() => Promise.all(children.splice(0).map((child) => child.kill())));

  it('loses no committed message when the relay dies mid-way and another starts', async ({ skip }) => {
    if (!postgres.up) skip();
    const prefix = namespaces.next();
    const table = `${postgres.schema}.outbox`;
    const outbox = new PostgresOutbox(postgres.pool, { table, channel: `${postgres.schema}_outbox` });
    await outbox.createTables();
    await postgres.pool.query(`CREATE TABLE ${postgres.schema}.orders (id text PRIMARY KEY)`);
    const consumer = await startOutboxApp(apps, new RedisTransport({ url: REDIS_URL, prefix }), outbox, false);
    const received = consumer.get(Received);
    const relay = () =>
      FixtureChild.start(RELAY, {
        RELAY_CHILD: JSON.stringify({ postgresUrl: POSTGRES_URL, redisUrl: REDIS_URL, prefix, table, channel: outbox.channel }),
      }).then((child) => (children.push(child), child));

    const started = Date.now();
    const first = await relay();
    let next = 0;
    const write = async (): Promise<void> => {
      for (let n = next++; n < TRANSACTIONS; n = next++) {
        await inTransaction(postgres.pool, async (client) => {
          await client.query(`INSERT INTO ${postgres.schema}.orders (id) VALUES ($1)`, [`o-${n}`]);
          await outbox.publish(client, new OrderPlaced(`o-${n}`));
        });
      }
    };
    const writers = Promise.all(Array.from({ length: WRITERS }, write));
    await until(() => received.ids.length >= TRANSACTIONS * 0.3, 120_000, 'a third forwarded');
    await first.kill();
    const atKill = received.ids.length;
    // Transactions keep committing while no relay runs; the next one finds them.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await relay();
    await writers;
    const committed = Number((await postgres.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${postgres.schema}.orders`)).rows[0].n);
    await until(() => new Set(received.orders).size === committed, 120_000, 'every committed order');
    await until(async () => (await postgres.pool.query(`SELECT 1 FROM ${table} WHERE sent_at IS NULL LIMIT 1`)).rowCount === 0, 10_000, 'every row sent');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seconds = (Date.now() - started) / 1000;

    const distinctOrders = new Set(received.orders).size;
    const distinctIds = new Set(received.ids).size;
    const lost = committed - distinctOrders;
    const duplicates = received.ids.length - distinctIds;
    console.log(
      `outbox kill -9: ${committed} transactions committed, ${received.ids.length} messages forwarded (${atKill} before the kill), ` +
        `lost ${lost}, duplicates ${duplicates}, ${seconds.toFixed(1)} s`,
    );
    expect(committed).toBe(TRANSACTIONS);
    expect(lost).toBe(0);
    // Every copy of a message carries its row's id: one id per order, so consumers can deduplicate.
    expect(distinctIds).toBe(distinctOrders);
  }, 300_000);
});
