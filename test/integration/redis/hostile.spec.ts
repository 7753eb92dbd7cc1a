import { describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { framesOf, HOSTILE_TOPIC, HostileTarget, settleHostileFrames } from '../../support/hostile-frames.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);

describe.skipIf(!available)('redis: hostile entries written with XADD', () => {
  const { namespaces, apps, redis } = useRedisFixture();

  it('settles every entry once: handled and acked, or dead-lettered with its reason; nothing stays pending', async () => {
    const prefix = namespaces.next();
    const app = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), providers: [HostileTarget], options: { serviceName: 'hostile' } });
    const stream = `{${prefix}}:q:hostile:5`;
    await settleHostileFrames({
      app,
      frames: framesOf('redis'),
      send: async (frame) => (await redis.xadd(stream, '*', ...frame.redis(HOSTILE_TOPIC))) as string,
      // A letter of an undecodable entry names the entry it was.
      frameIdOf: (letter) => letter.envelope.headers['x-bus-entry-id'] ?? letter.envelope.id,
    });
    await until(async () => ((await redis.xpending(stream, 'hostile')) as unknown[])[0] === 0, 5000, 'nothing pending');
    expect(await redis.xpending(stream, 'hostile')).toEqual([0, null, null, null]);
  });
});
