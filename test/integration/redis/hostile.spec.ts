import { describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { expectedOutcomes, letterOutcome, prototypeSnapshot, redisFrames, type RedisFrame } from '../../support/hostile-frames.js';
import { expectNothingSmuggled, HostileTarget } from '../../support/hostile-target.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);

describe.skipIf(!available)('redis: hostile entries written with XADD', () => {
  const { namespaces, apps, redis } = useRedisFixture();

  it('settles every entry once: handled and acked, or dead-lettered with its reason; nothing stays pending', async () => {
    const before = prototypeSnapshot();
    const prefix = namespaces.next();
    const app = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), providers: [HostileTarget], options: { serviceName: 'hostile' } });
    const stream = `{${prefix}}:q:hostile:5`;
    const byEntry = new Map<string, RedisFrame>();
    for (const frame of redisFrames) byEntry.set((await redis.xadd(stream, '*', ...frame.fields('hostile.frame'))) as string, frame);

    const target = app.get(HostileTarget);
    const letterCount = redisFrames.filter((frame) => !('handled' in frame.outcome)).length;
    const handlerRuns = redisFrames.length - letterCount + redisFrames.filter((frame) => frame.name.includes('handler fails')).length;
    await until(async () => target.seen.length === handlerRuns && (await app.bus.deadLetters.count()) === letterCount, 15_000, 'every entry settled').catch(async (e) => {
      console.log('DEBUG', target.seen.length, handlerRuns, await app.bus.deadLetters.count(), letterCount, app.logger.lines.map((l) => l.slice(0, 300)), (await app.bus.deadLetters.list()).map((l) => [l.reason, l.error?.message.slice(0, 100)]));
      throw e;
    });

    const actual: Record<string, string> = {};
    for (const envelope of target.seen) {
      const frame = byEntry.get(envelope.id) as RedisFrame;
      if ('handled' in frame.outcome) actual[frame.name] = 'handled';
    }
    for (const letter of await app.bus.deadLetters.list({ limit: 100 })) {
      const frame = byEntry.get(letter.envelope.headers['x-bus-entry-id'] ?? letter.envelope.id) as RedisFrame;
      actual[frame.name] = letterOutcome(frame, letter);
    }
    expect(actual).toEqual(expectedOutcomes(redisFrames));
    await until(async () => ((await redis.xpending(stream, 'hostile')) as unknown[])[0] === 0, 5000, 'nothing pending');
    expect(app.bus.getStats()).toMatchObject({ deadLettered: letterCount, deadLetterFailures: 0 });

    expectNothingSmuggled(target.seen, before, app.logger.lines);
  });
});
