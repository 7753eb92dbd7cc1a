import { describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import type { ChildConfig } from './support/child-protocol.js';
import { useRedisProcesses } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const VISIBILITY_MS = 1_000;

describe.skipIf(!available)('redis: crash safety', () => {
  const { namespaces, apps, redis, children } = useRedisProcesses();
  let prefix: string;

  const worker = (name: string, extra: Partial<ChildConfig> = {}) =>
    children.start({
      name,
      serviceName: 'workers',
      roles: ['worker'],
      transport: { url: REDIS_URL, prefix, visibilityTimeoutMs: VISIBILITY_MS },
      ...extra,
    });
  const sender = () => apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), options: { serviceName: 'sender' } });
  const pendingOf = async (stream: string) => ((await redis.xpending(stream, 'workers')) as [number])[0];

  it('messages held by a process killed with -9 are taken over after the visibility timeout, attempt counted', async () => {
    prefix = namespaces.next();
    const doomed = await worker('doomed');
    const app = await sender();
    for (let n = 0; n < 5; n++) await app.bus.send('work.do', { n, hangIn: 'doomed' });
    await until(() => doomed.handled.length === 5);
    const heldAt = Date.now();
    await doomed.kill('SIGKILL');

    const heir = await worker('heir');
    await until(() => heir.handled.length === 5, 5_000, 'the takeover');
    const tookOverAfter = Date.now() - heldAt;
    expect(heir.handled.map((report) => report.n).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(heir.handled.every((report) => report.attempt === 2)).toBe(true);
    expect(tookOverAfter).toBeGreaterThanOrEqual(VISIBILITY_MS - 50);
    await until(async () => (await pendingOf(`{${prefix}}:q:workers:5`)) === 0, 3_000, 'the acks');
  });

  it('retries waiting for their backoff are kept in Redis and run after every process died', async () => {
    prefix = namespaces.next();
    const retry = { maxAttempts: 3, initialDelayMs: 1_500, factor: 1 };
    const first = await worker('first', { retry });
    const app = await sender();
    await app.bus.send('work.do', { n: 7, failUntilAttempt: 2 });
    await until(() => first.handled.length === 1);
    // The retry is stored and the failed delivery acknowledged: nothing of it lives in a process.
    await until(async () => (await redis.zcard(`{${prefix}}:delayed`)) === 1 && (await pendingOf(`{${prefix}}:q:workers:5`)) === 0);
    const failedAt = Date.now();
    await first.kill('SIGKILL');
    await apps.closeAll();

    const second = await worker('second', { retry });
    await until(() => second.handled.length === 1, 5_000, 'the retry');
    expect(second.handled[0]).toMatchObject({ n: 7, attempt: 2 });
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(retry.initialDelayMs - 100);
    expect(await redis.zcard(`{${prefix}}:delayed`)).toBe(0);
  });

  it('counts each delivery a dead consumer left unacknowledged as an attempt, and dead-letters past maxAttempts', async () => {
    prefix = namespaces.next();
    const stream = `{${prefix}}:q:workers:5`;
    await redis.xgroup('CREATE', stream, 'workers', '0', 'MKSTREAM');
    const entry = (n: number) => ['topic', 'work.do', 'kind', 'command', 'payload', JSON.stringify({ n }), 'maxAttempts', '3'];
    const [twice, thrice] = [await redis.xadd(stream, '*', ...entry(1)), await redis.xadd(stream, '*', ...entry(2))] as string[];
    // A consumer that read both and died; the counters say how often they were delivered so far.
    await redis.xreadgroup('GROUP', 'workers', 'ghost', 'STREAMS', stream, '>');
    await redis.call('XCLAIM', stream, 'workers', 'ghost', 0, twice, 'IDLE', 60_000, 'RETRYCOUNT', 1);
    await redis.call('XCLAIM', stream, 'workers', 'ghost', 0, thrice, 'IDLE', 60_000, 'RETRYCOUNT', 3);

    const heir = await worker('heir');
    await until(() => heir.handled.length === 1);
    expect(heir.handled[0]).toMatchObject({ n: 1, attempt: 2 });
    const app = await sender();
    await until(async () => (await app.bus.deadLetters.count()) === 1);
    const [letter] = await app.bus.deadLetters.list();
    expect(letter).toMatchObject({ reason: 'ATTEMPTS_EXHAUSTED', group: 'workers', envelope: { payload: { n: 2 }, attempt: 3 } });
    // The letter's attempt stays within maxAttempts; the message tells how often it was delivered.
    expect(letter.error?.message).toMatch(/Delivered 4 times without being acknowledged/);
    await until(async () => (await pendingOf(stream)) === 0);
  });
});
