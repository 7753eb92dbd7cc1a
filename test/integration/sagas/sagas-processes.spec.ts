import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresSagaStore } from 'nestjs-message-bus/postgres';
import { RedisSagaStore, RedisTransport } from 'nestjs-message-bus/redis';
import type { SagaStats, SagaStore } from 'nestjs-message-bus/sagas';
import { until } from '../../support/bus-app.js';
import { POSTGRES_URL, REDIS_URL } from '../../support/brokers.js';
import { FixtureChild } from '../../support/fixture-child.js';
import { usePostgres } from '../../support/postgres.js';
import { useRedisFixture } from '../redis/support/redis-fixture.js';
import type { SagaChildStore } from './fixtures/saga-child.js';
import { Counted } from './order-saga.js';

const CHILD = fileURLToPath(new URL('./fixtures/saga-child.ts', import.meta.url));
const EVENTS = 1000;

describe('one saga from two processes', () => {
  const { apps, namespaces, redis } = useRedisFixture();
  const postgres = usePostgres('sagas_processes');
  const children: FixtureChild[] = [];
  afterEach(() => Promise.all(children.splice(0).map((child) => child.kill('SIGTERM'))));

  /** Two processes share `child`'s store; 1,000 events of one saga instance, published 50 at a time. */
  async function interleaved(label: string, child: SagaChildStore, store: SagaStore): Promise<void> {
    const prefix = namespaces.next();
    const env = { SAGA_CHILD: JSON.stringify({ redisUrl: REDIS_URL, prefix, store: child }) };
    children.push(...(await Promise.all([FixtureChild.start(CHILD, env), FixtureChild.start(CHILD, env)])));
    const publisher = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }) });
    const started = Date.now();
    for (let n = 0; n < EVENTS; n += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => publisher.bus.publish(new Counted('one', n + k))));
    }
    const stats = () => Promise.all(children.map((process) => process.ask<SagaStats>({ op: 'stats' })));
    await until(async () => (await stats()).reduce((sum, s) => sum + s.applied, 0) >= EVENTS, 120_000, 'every event applied');
    const [first, second] = await stats();

    const stored = await store.load('counter', 'one');
    const { state } = JSON.parse(stored!.data) as { state: { count: number; seen: number[] } };
    console.log(
      `sagas, 2 processes, ${label} store: ${EVENTS} events of one saga, applied ${first.applied} + ${second.applied}, ` +
        `conflicts ${first.conflicts} + ${second.conflicts} (each retried), version ${stored!.version}, ${Date.now() - started} ms`,
    );
    expect(first.applied + second.applied).toBe(EVENTS);
    expect(first.applied).toBeGreaterThan(0);
    expect(second.applied).toBeGreaterThan(0);
    expect(state.count).toBe(EVENTS);
    expect(new Set(state.seen).size).toBe(EVENTS);
    expect(stored!.version).toBe(EVENTS);
    expect(first.conflicts + second.conflicts).toBeGreaterThan(0);
  }

  it('applies 1,000 interleaved events of one saga instance exactly once on the Redis store, its state never corrupted', async () => {
    const storePrefix = `{${namespaces.next()}}:saga:`;
    await interleaved('Redis', { kind: 'redis', prefix: storePrefix }, new RedisSagaStore(redis, storePrefix));
  }, 180_000);

  it('applies 1,000 interleaved events of one saga instance exactly once on the PostgreSQL store, its state never corrupted', async ({ skip }) => {
    if (!postgres.up) skip();
    const store = new PostgresSagaStore(postgres.pool, `${postgres.schema}.sagas`);
    await store.createTable();
    await interleaved('PostgreSQL', { kind: 'postgres', url: POSTGRES_URL, table: store.table }, store);
  }, 180_000);
});
