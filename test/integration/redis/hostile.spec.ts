import { describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { APP_LIMITS, framesOf, HOSTILE_TOPIC, HostileTarget, limitFrames, settleHostileFrames } from '../../support/hostile-frames.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);

describe.skipIf(!available)('redis: hostile entries written with XADD', () => {
  const { namespaces, apps, redis } = useRedisFixture();

  /** Writes each frame to the group's stream of a bus with these limits, then holds every entry to its outcome. */
  const settle = async (frames: ReturnType<typeof framesOf<'redis'>>, limits: Partial<typeof APP_LIMITS> = {}) => {
    const prefix = namespaces.next();
    const transport = new RedisTransport({ url: REDIS_URL, prefix, maxPayloadDepth: limits.maxPayloadDepth });
    const app = await apps.start({ transport, providers: [HostileTarget], options: { serviceName: 'hostile', maxPayloadBytes: limits.maxPayloadBytes } });
    const stream = `{${prefix}}:q:hostile:5`;
    await settleHostileFrames({
      app,
      frames,
      send: async (frame) => (await redis.xadd(stream, '*', ...frame.redis(HOSTILE_TOPIC))) as string,
      // A letter of an undecodable entry names the entry it was.
      frameIdOf: (letter) => letter.envelope.headers['x-bus-entry-id'] ?? letter.envelope.id,
    });
    await until(async () => ((await redis.xpending(stream, 'hostile')) as unknown[])[0] === 0, 5000, 'nothing pending');
    expect(await redis.xpending(stream, 'hostile')).toEqual([0, null, null, null]);
  };

  it('settles every entry once: handled and acked, or dead-lettered with its reason; nothing stays pending', () => settle(framesOf('redis')));

  it('checks the depth and size an app sets (maxPayloadDepth raised, maxPayloadBytes lowered) on consume', () =>
    settle(framesOf('redis', limitFrames), APP_LIMITS));
});
