import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BusMetrics } from 'nestjs-message-bus';
import { MemorySagaStore, SagaModule, Sagas, type SagaStore } from 'nestjs-message-bus/sagas';
import { PostgresSagaStore } from 'nestjs-message-bus/postgres';
import { RedisSagaStore } from 'nestjs-message-bus/redis';
import { AppTracker, until } from '../../support/bus-app.js';
import { brokerAvailable, POSTGRES_URL, REDIS_URL } from '../../support/brokers.js';
import { Cancellations, Counted, CounterSaga, OrderPlaced, OrderSaga, PaymentFailed } from './order-saga.js';

const apps = new AppTracker();
afterEach(() => apps.closeAll());

function start(store: SagaStore) {
  return apps.start({
    transport: 'memory://',
    imports: [SagaModule.forRoot({ store })],
    providers: [OrderSaga, CounterSaga, Cancellations],
  });
}

describe('sagas on the memory store', () => {
  it('compensates a failed payment and removes the completed instance', async () => {
    const store = new MemorySagaStore();
    const app = await start(store);
    await app.bus.publish(new OrderPlaced('o-1'));
    await until(() => store.size === 1, 2000, 'the saga to start');
    await app.bus.publish(new PaymentFailed('o-1'));
    const cancellations = app.get(Cancellations);
    await until(() => cancellations.received.length === 1, 2000, 'the cancellation');
    expect(cancellations.received[0]).toMatchObject({ orderId: 'o-1', reason: 'payment failed' });
    await until(() => store.size === 0, 2000, 'the instance to be removed');
    // The timeout requested at the start finds no instance any more: ignored, no second cancellation.
    await until(() => app.get(Sagas).stats().ignored === 1, 2000, 'the timeout to be ignored');
    expect(cancellations.received).toHaveLength(1);
    // The bus's Prometheus metrics count the sagas too, per saga.
    const text = await app.get(BusMetrics).metrics();
    expect(text).toContain('bus_saga_started_total{saga="order"} 1');
    expect(text).toContain('bus_saga_completed_total{saga="order"} 1');
    expect(text).toContain('bus_saga_ignored_total{saga="order"} 1');
    expect(text).toContain('bus_saga_conflicts_total{saga="order"} 0');
    expect(text).toContain('bus_saga_started_total{saga="counter"} 0');
  });

  it('cancels an order whose payment timed out', async () => {
    const app = await start(new MemorySagaStore());
    await app.bus.publish(new OrderPlaced('o-2'));
    const cancellations = app.get(Cancellations);
    await until(() => cancellations.received.length === 1, 3000, 'the timeout');
    expect(cancellations.received[0]).toMatchObject({ orderId: 'o-2', reason: 'payment timed out' });
  });

  it('ignores an event of a saga that never started', async () => {
    const app = await start(new MemorySagaStore());
    await app.bus.publish(new PaymentFailed('nobody'));
    await until(() => app.get(Sagas).stats().ignored === 1, 2000, 'the event to be ignored');
    expect(app.get(Cancellations).received).toHaveLength(0);
  });
});

/** Two bus instances sharing one store publish 1,000 events of 10 sagas, interleaved; each must be applied exactly once. */
async function interleaved(store: SagaStore): Promise<number> {
  const first = await start(store);
  const second = await start(store);
  const sends: Promise<void>[] = [];
  for (let n = 0; n < 1000; n++) sends.push((n % 2 === 0 ? first : second).bus.publish(new Counted(`s-${n % 10}`, n)));
  await Promise.all(sends);
  const applied = () => first.get(Sagas).stats().applied + second.get(Sagas).stats().applied;
  await until(() => applied() === 1000, 30_000, 'every event applied');
  for (let saga = 0; saga < 10; saga++) {
    const stored = await store.load('counter', `s-${saga}`);
    const { state } = JSON.parse(stored!.data) as { state: { count: number; seen: number[] } };
    expect(state.count).toBe(100);
    expect(new Set(state.seen).size).toBe(100);
    expect(state.seen.every((n) => n % 10 === saga)).toBe(true);
  }
  const metrics = await first.get(BusMetrics).metrics();
  expect(metrics).toContain(`bus_saga_conflicts_total{saga="counter"} ${first.get(Sagas).stats('counter').conflicts}`);
  return first.get(Sagas).stats().conflicts + second.get(Sagas).stats().conflicts;
}

describe('sagas on Redis', () => {
  let redis: Redis;
  let up = false;
  const prefix = `test:sagas:${process.pid}:${Date.now()}:`;

  beforeAll(async () => {
    up = await brokerAvailable('Redis', REDIS_URL);
    if (up) redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    if (!up) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('applies 1,000 interleaved events of 10 sagas from two instances exactly once each', async ({ skip }) => {
    if (!up) skip();
    const conflicts = await interleaved(new RedisSagaStore(redis, prefix));
    console.log(`Redis store: 1,000 events on 10 sagas from 2 instances, ${conflicts} conflicting writes, all retried`);
    expect(conflicts).toBeGreaterThan(0);
  }, 40_000);
});

describe('sagas on PostgreSQL', () => {
  let pool: pg.Pool;
  let store: PostgresSagaStore;
  let up = false;
  const table = `sagas_test_${process.pid}_${Date.now()}`;

  beforeAll(async () => {
    up = await brokerAvailable('PostgreSQL', POSTGRES_URL);
    if (!up) return;
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 20 });
    store = new PostgresSagaStore(pool, table);
    await store.createTable();
  });
  afterAll(async () => {
    if (!up) return;
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  it('applies 1,000 interleaved events of 10 sagas from two instances exactly once each', async ({ skip }) => {
    if (!up) skip();
    const conflicts = await interleaved(store);
    console.log(`PostgreSQL store: 1,000 events on 10 sagas from 2 instances, ${conflicts} conflicting writes, all retried`);
    expect(conflicts).toBeGreaterThan(0);
  }, 40_000);
});
