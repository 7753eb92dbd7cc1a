import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { CommandHandler, EventHandler, MessageBusError } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const MAX_ID = '18446744073709551615-18446744073709551615';

@Injectable()
class Orders {
  readonly seen: string[] = [];
  @EventHandler('batch.placed')
  placed({ id }: { id: string }) {
    this.seen.push(`event ${id}`);
  }
  @CommandHandler('batch.ship')
  ship({ id }: { id: string }) {
    this.seen.push(`command ${id}`);
  }
}

@Injectable()
class Audit {
  @EventHandler('batch.placed')
  placed() {}
}

describe.skipIf(!available)('redis: the publishes of one turn in one script call', () => {
  const { namespaces, apps, redis } = useRedisFixture();

  it('stores every entry of the turn in order; a stream that refuses fails only what went to it, naming it', async () => {
    const prefix = namespaces.next();
    const orders = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), providers: [Orders], options: { serviceName: 'orders' } });
    await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), providers: [Audit], options: { serviceName: 'audit' } });
    const audit = `{${prefix}}:q:audit:5`;
    await until(async () => (await redis.exists(audit)) === 1);

    // Events fan out to both groups' streams, commands go to one: every kind of message in one turn.
    const first = await Promise.allSettled([
      orders.bus.publish('batch.placed', { id: 'e1' }),
      orders.bus.send('batch.ship', { id: 'c1' }),
      orders.bus.publish('batch.placed', { id: 'e2' }),
      orders.bus.send('batch.ship', { id: 'c2' }),
    ]);
    expect(first.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const handler = orders.get(Orders);
    await until(() => handler.seen.length === 4);
    expect(handler.seen).toEqual(['event e1', 'command c1', 'event e2', 'command c2']);

    await redis.xadd(audit, MAX_ID, 'foreign', 'wedge');
    const second = await Promise.allSettled([
      orders.bus.send('batch.ship', { id: 'c3' }),
      orders.bus.publish('batch.placed', { id: 'e3' }),
      orders.bus.send('batch.ship', { id: 'c4' }),
    ]);
    expect(second.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = (second[1] as PromiseRejectedResult).reason as Error;
    expect(refused).toBeInstanceOf(MessageBusError);
    expect(refused.message).toContain(audit);
    await until(() => handler.seen.includes('command c3') && handler.seen.includes('command c4'));
  });
});
