import { describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { FAIL_PAYLOAD, HOSTILE_TOPIC, HostileTarget } from '../../support/hostile-frames.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const VISIBILITY_MS = 400;

describe.skipIf(!available)('redis: a message whose settling fails', () => {
  const { namespaces, apps, redis } = useRedisFixture();

  const start = async () => {
    const prefix = namespaces.next();
    const app = await apps.start({
      transport: new RedisTransport({ url: REDIS_URL, prefix, visibilityTimeoutMs: VISIBILITY_MS }),
      providers: [HostileTarget],
      options: { serviceName: 'hostile' },
    });
    const base = `{${prefix}}`;
    return { app, base, stream: `${base}:q:hostile:5` };
  };
  const pending = async (stream: string) => (await redis.xpending(stream, 'hostile', '-', '+', 10)) as [string, string, number, number][];

  it('when its dead letter cannot be stored: counted, left pending (not renewed), redelivered and stored once the store is back', async () => {
    const { app, base, stream } = await start();
    // The dead-letter stream's key holds a string: every XADD to it fails (WRONGTYPE).
    await redis.set(`${base}:dead`, 'not a stream');
    await redis.xadd(stream, '*', 'topic', HOSTILE_TOPIC, 'payload', FAIL_PAYLOAD, 'maxAttempts', '1');
    await redis.xadd(stream, '*', 'topic', HOSTILE_TOPIC, 'payload', '{');

    // Two rounds: each entry was delivered again after the visibility timeout, and failed again.
    await until(() => app.bus.getStats().deadLetterFailures >= 4, 10_000, 'two rounds of failed dead letters');
    expect((await pending(stream)).map(([, , , deliveries]) => deliveries >= 2)).toEqual([true, true]);
    expect(app.logger.lines.some((line) => line.startsWith('error Could not store the dead letter') && line.includes('WRONGTYPE'))).toBe(true);

    await redis.del(`${base}:dead`);
    await until(async () => (await app.bus.deadLetters.count()) === 2, 10_000, 'both stored');
    await until(async () => (await pending(stream)).length === 0, 5_000, 'nothing pending');
    const letters = await app.bus.deadLetters.list();
    expect(letters.map((letter) => [letter.reason, letter.error?.code])).toEqual([
      ['ATTEMPTS_EXHAUSTED', 'UNACKNOWLEDGED'],
      ['UNDECODABLE', 'UNDECODABLE'],
    ]);
    // Redelivered entries were dead-lettered again, never handed to the handler a second time.
    expect(app.get(HostileTarget).seen).toHaveLength(1);
  });

  it('when its retry cannot be scheduled: released, redelivered as its next attempt, dead-lettered after the last', async () => {
    const { app, base, stream } = await start();
    // The delayed set's key holds a string: scheduling a retry fails (WRONGTYPE).
    await redis.set(`${base}:delayed`, 'not a sorted set');
    await redis.xadd(stream, '*', 'topic', HOSTILE_TOPIC, 'payload', FAIL_PAYLOAD, 'maxAttempts', '3');

    await until(async () => (await app.bus.deadLetters.count()) === 1, 10_000, 'the dead letter');
    const [letter] = await app.bus.deadLetters.list();
    expect(letter).toMatchObject({ reason: 'ATTEMPTS_EXHAUSTED', handler: 'HostileTarget.on', error: { message: 'the handler refuses this payload' } });
    expect(app.get(HostileTarget).seen.map((envelope) => envelope.attempt)).toEqual([1, 2, 3]);
    expect(app.logger.lines.filter((line) => line.startsWith('error Dispatch of "hostile.frame"') && line.endsWith('released to the broker'))).toHaveLength(2);
    await until(async () => (await pending(stream)).length === 0, 5_000, 'nothing pending');
  });
});
