import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { EventHandler, type MessageContext } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { netstrings } from '../../../lib/transports/redis/stream-entry.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);

@Injectable()
class Live {
  readonly seen: { topic: string; payload: unknown }[] = [];
  @EventHandler('agent.*', { delivery: 'realtime' })
  onLive(payload: unknown, context: MessageContext) {
    this.seen.push({ topic: context.topic, payload });
  }
}

describe.skipIf(!available)('redis: realtime pub/sub with plain clients', () => {
  const { namespaces, apps, redis } = useRedisFixture();
  let prefix: string;
  const start = async () => {
    prefix = namespaces.next();
    return apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), providers: [Live], options: { serviceName: 'live' } });
  };
  const channel = (topic: string) => `{${prefix}}:rt:${topic}`;

  it('takes the entry fields as netstrings from a plain PUBLISH, and counts the instance as a receiver', async () => {
    const app = await start();
    const frame = netstrings(['topic', 'agent.moved', 'payload', '{"x":1}', 'contentType', 'application/json']);
    expect(await redis.publish(channel('agent.moved'), frame)).toBe(1);
    await until(() => app.get(Live).seen.length === 1);
    expect(app.get(Live).seen).toEqual([{ topic: 'agent.moved', payload: { x: 1 } }]);
  });

  it('dead-letters a frame that is not one, or whose payload no codec reads, as UNDECODABLE, and keeps listening', async () => {
    const app = await start();
    await redis.publish(channel('agent.a'), 'not a frame');
    await redis.publish(channel('agent.b'), netstrings(['topic', 'agent.b', 'payload', 'x', 'contentType', 'text/plain']));
    await redis.publish(channel('agent.c'), netstrings(['topic', 'agent.c', 'payload', '['.repeat(100) + ']'.repeat(100)]));
    await redis.publish(channel('agent.d'), netstrings(['topic', 'agent.d', 'payload', '"fine"']));
    await until(() => app.get(Live).seen.length === 1);
    await until(async () => (await app.bus.deadLetters.count()) === 3);
    const problems = (await app.bus.deadLetters.list()).map((letter) => [letter.reason, letter.error?.message]);
    expect(problems).toEqual([
      ['UNDECODABLE', 'not a realtime frame'],
      ['UNDECODABLE', 'no codec for content type "text/plain"'],
      ['UNDECODABLE', 'payload nested deeper than maxPayloadDepth (64)'],
    ]);
    expect(app.get(Live).seen).toEqual([{ topic: 'agent.d', payload: 'fine' }]);
  });

  it('loses what is published while nobody listens: at most once', async () => {
    const app = await start();
    await app.close();
    expect(await redis.publish(channel('agent.gone'), netstrings(['topic', 'agent.gone', 'payload', '1']))).toBe(0);
  });
});
