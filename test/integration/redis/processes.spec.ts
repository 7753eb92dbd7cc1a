import { describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import type { ChildConfig } from './support/child-protocol.js';
import type { Child } from './support/child-processes.js';
import { useRedisProcesses } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);

describe.skipIf(!available)('redis: groups across processes', () => {
  const { namespaces, apps, redis, children } = useRedisProcesses();
  let prefix: string;

  const child = (name: string, serviceName: string, roles: ChildConfig['roles'], instanceTtlMs?: number): Promise<Child> =>
    children.start({ name, serviceName, roles, transport: { url: REDIS_URL, prefix, instanceTtlMs } });
  /** An application in this process with no handlers of its own, publishing into the namespace. */
  const publisher = () => apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), options: { serviceName: 'publisher' } });

  it('two instances of one service compete: each command is handled once, both get work', async () => {
    prefix = namespaces.next();
    const [one, two] = await Promise.all([child('one', 'workers', ['worker']), child('two', 'workers', ['worker'])]);
    const app = await publisher();
    for (let n = 0; n < 40; n++) await app.bus.send('work.do', { n });
    const handled = () => [...one.handled, ...two.handled];
    await until(() => handled().length >= 40);
    expect(new Set(handled().map((report) => report.n)).size).toBe(40);
    expect(handled()).toHaveLength(40);
    expect(one.handled.length).toBeGreaterThan(0);
    expect(two.handled.length).toBeGreaterThan(0);
  });

  it('every service gets every event; broadcast handlers get one copy per process, until it is gone', async () => {
    prefix = namespaces.next();
    const processes = await Promise.all([
      child('a1', 'svc-a', ['listener'], 1_000),
      child('a2', 'svc-a', ['listener'], 1_000),
      child('b1', 'svc-b', ['listener'], 1_000),
    ]);
    const app = await publisher();
    await app.bus.publish('news.today', { n: 1 });
    const reports = () => processes.flatMap((process) => process.handled);
    await until(() => reports().length >= 5);
    const group = reports().filter((report) => report.copy === 'group');
    expect(group.map((report) => report.name).filter((name) => name.startsWith('a'))).toHaveLength(1);
    expect(group.map((report) => report.name)).toContain('b1');
    expect(reports().filter((report) => report.copy === 'broadcast').map((report) => report.name).sort()).toEqual(['a1', 'a2', 'b1']);
    expect(reports()).toHaveLength(5);

    // A process's own group goes with it: at once when it closes, after its lease when killed.
    const instanceStreams = async () => (await redis.keys(`{${prefix}}:q:svc-*.*`)).length;
    expect(await instanceStreams()).toBe(3 * 10);
    await processes[0].close();
    expect(await instanceStreams()).toBe(2 * 10);
    await processes[1].kill('SIGKILL');
    await until(async () => (await instanceStreams()) === 10, 3_000, 'the dead instance to be reaped');
    const bindings = await redis.hkeys(`{${prefix}}:bindings`);
    expect(bindings.filter((field) => field.endsWith('svc-a') || field.endsWith('svc-b'))).toHaveLength(2);
    expect(bindings).toHaveLength(3);
  });

  it('a query or execute from one process is answered by another', async () => {
    prefix = namespaces.next();
    const [, , asker] = await Promise.all([
      child('answerer', 'answers', ['answerer']),
      child('worker', 'workers', ['worker']),
      child('asker', 'asks', []),
    ]);
    expect(await asker.call('request', 'who.answers', {})).toEqual({ ok: true, data: 'answerer' });
    expect(await asker.call('execute', 'work.do', { n: 1 })).toMatchObject({ ok: true, data: 'worker' });
  });

  it('publishers see the bindings of a service that starts later at once', async () => {
    prefix = namespaces.next();
    const app = await publisher();
    await expect(app.bus.send('work.do', { n: 0 })).rejects.toMatchObject({ code: 'NO_HANDLER' });
    const late = await child('late', 'late-workers', ['worker', 'listener']);
    // No wait: the binding notification reached this process before the child said it was ready.
    await app.bus.send('work.do', { n: 1 });
    await app.bus.publish('news.late', { n: 2 });
    expect(app.bus.getStats().unrouted).toBe(0);
    await until(() => late.handled.length >= 3);
    expect(late.handled.map((report) => `${report.topic}:${report.n}`).sort()).toEqual(['news.late:2', 'news.late:2', 'work.do:1']);
  });
});
