import { Injectable } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandHandler, type MessageContext } from 'nestjs-message-bus';
import { RedisIdempotencyStore, RedisTransport } from 'nestjs-message-bus/redis';
import { recordBus } from 'nestjs-message-bus/testing';
import { engineOf } from '../../../lib/message-bus.js';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);

const runs: string[] = [];

@Injectable()
class Shipping {
  @CommandHandler('order.ship', { idempotent: true })
  ship(payload: { orderId: string }, context: MessageContext) {
    runs.push(`${payload.orderId}#${context.attempt}`);
  }
}

describe.skipIf(!available)('redis: idempotent handlers', () => {
  const { namespaces, apps, redis } = useRedisFixture();
  afterEach(() => {
    runs.length = 0;
  });

  it('run a message redelivered to any instance once, through keys shared in Redis', async () => {
    const prefix = namespaces.next();
    const transport = new RedisTransport({ url: REDIS_URL, prefix });
    const one = await apps.start({ transport, providers: [Shipping], options: { serviceName: 'shipping' } });
    const two = await apps.start({ transport, providers: [Shipping], options: { serviceName: 'shipping' } });
    const recorder = recordBus(one.bus);
    await one.bus.send('order.ship', { orderId: 'A-1' });
    await until(() => runs.length === 1);
    const [sent] = recorder.published('order.ship');
    // Redeliver the very message several times, as Redis does after a consumer crashed before its ack.
    for (let i = 0; i < 6; i++) await engineOf(two.bus).connected().schedule('shipping', sent, 0);
    await until(() => one.bus.getStats().duplicates + two.bus.getStats().duplicates === 6);
    expect(runs).toEqual(['A-1#1']);
    expect(one.bus.getStats().duplicates).toBeGreaterThan(0);
    expect(two.bus.getStats().duplicates).toBeGreaterThan(0);
    expect(await redis.get(`{${prefix}}:once:Shipping.ship:${sent.id}`)).toBe('done');
  });

  it('a standalone store claims, commits and releases keys', async () => {
    const prefix = `{${namespaces.next()}}:once:`;
    const store = new RedisIdempotencyStore(redis, prefix);
    expect(await store.claim('k', 10_000)).toBe('claimed');
    expect(await store.claim('k', 10_000)).toBe('in-progress');
    await store.release('k');
    expect(await store.claim('k', 10_000)).toBe('claimed');
    await store.commit('k', 60_000);
    expect(await store.claim('k', 10_000)).toBe('done');
    expect(await redis.pttl(`${prefix}k`)).toBeGreaterThan(50_000);
  });
});
