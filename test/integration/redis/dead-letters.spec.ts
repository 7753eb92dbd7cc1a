import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { CommandHandler, UnrecoverableError } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);

@Injectable()
class Orders {
  healed = false;
  readonly handled: number[] = [];
  @CommandHandler('order.ship')
  ship(payload: { n: number }) {
    if (!this.healed) throw new UnrecoverableError(`cannot ship ${payload.n}`);
    this.handled.push(payload.n);
  }
}

describe.skipIf(!available)('redis: dead letters', () => {
  const { namespaces, apps, redis } = useRedisFixture();

  it('are visible, replayable and purgeable from an instance of another service', async () => {
    const prefix = namespaces.next();
    const shop = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), providers: [Orders], options: { serviceName: 'shop' } });
    const admin = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), options: { serviceName: 'admin' } });
    for (let n = 1; n <= 3; n++) await admin.bus.send('order.ship', { n });
    await until(async () => (await admin.bus.deadLetters.count()) === 3);

    const letters = await admin.bus.deadLetters.list();
    expect(letters.map((letter) => letter.envelope.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(letters[0]).toMatchObject({ reason: 'UNRECOVERABLE', group: 'shop', handler: 'Orders.ship', error: { message: 'cannot ship 1' } });

    shop.get(Orders).healed = true;
    expect(await admin.bus.deadLetters.replay(letters[1].id)).toBe(1);
    await until(() => shop.get(Orders).handled.length === 1);
    expect(shop.get(Orders).handled).toEqual([2]);
    expect(await shop.bus.deadLetters.count({ topic: 'order.ship' })).toBe(2);
    expect(await shop.bus.deadLetters.purge()).toBe(2);
    expect(await admin.bus.deadLetters.count()).toBe(0);
  });

  it('a letter taken for replay by two instances at once is replayed once', async () => {
    const prefix = namespaces.next();
    const shop = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), providers: [Orders], options: { serviceName: 'shop' } });
    const other = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), options: { serviceName: 'other' } });
    await shop.bus.send('order.ship', { n: 1 });
    await until(async () => (await shop.bus.deadLetters.count()) === 1);
    shop.get(Orders).healed = true;
    const replayed = await Promise.all([shop.bus.deadLetters.replay({}), other.bus.deadLetters.replay({})]);
    expect(replayed.sort()).toEqual([0, 1]);
    await until(() => shop.get(Orders).handled.length === 1);
  });

  it('are bounded in Redis by deadLetters.maxSize and ttlMs, the dropped ones counted', async () => {
    const prefix = namespaces.next();
    const transport = new RedisTransport({ url: REDIS_URL, prefix });
    const app = await apps.start({ transport, providers: [Orders], options: { deadLetters: { maxSize: 2, ttlMs: 1_500 } } });
    for (let n = 1; n <= 4; n++) await app.bus.send('order.ship', { n });
    await until(() => app.bus.getStats().deadLettered === 4);
    await until(async () => (await app.bus.deadLetters.count()) === 2 && app.bus.getStats().dropped === 2);
    expect(await redis.xlen(`{${prefix}}:dead`)).toBe(2);
    expect((await app.bus.deadLetters.list()).map((letter) => letter.envelope.payload)).toEqual([{ n: 3 }, { n: 4 }]);
    await until(async () => (await app.bus.deadLetters.count()) === 0, 4_000, 'the ttl');
    expect(await redis.xlen(`{${prefix}}:dead`)).toBe(0);
    expect(app.bus.getStats().dropped).toBe(4);
  });
});
