// F18: the requester's connection is cut while its requests are handled: the replies wait in
// its reply inbox (a stream, not pub/sub) and every request gets its answer, none a TIMEOUT.
import { afterAll, describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { RedisNamespaces } from '../../integration/redis/support/redis-namespaces.js';
import { useFaultRun } from '../support/fault-run.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const REQUESTS = 200;
const CUT_MS = 1_000;

describe.skipIf(!available)('F18 redis: requester socket cut during requests', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  const fault = useFaultRun('F18', 'redis');
  afterAll(() => namespaces.cleanup());

  it('answers every request sent before the cut', async () => {
    const { ledger, children, apps, child } = fault();
    const prefix = namespaces.next();
    await children.start(child('responder', { url: REDIS_URL, namespace: prefix, serviceName: 'responders', concurrency: 500 }));
    const proxy = await TcpProxy.start(REDIS_URL);
    const requester = await apps.start({ transport: new RedisTransport({ url: proxy.url(REDIS_URL), prefix }), options: { serviceName: 'requester' } });

    const failures = new Map<string, string>();
    const requests = Array.from({ length: REQUESTS }, () => ledger.newId()).map((id) =>
      ledger.send(id, async () => {
        const result = await requester.bus.request<{ id: string }>('fault.echo', { id, sleepMs: 1_500 }, { timeoutMs: 15_000 });
        if (!result.ok) failures.set(id, result.error.code);
        else expect(result.data.id).toBe(id);
      }),
    );
    // Cut once every request is being handled: the replies come while the requester is away.
    await until(() => ledger.lines().length >= REQUESTS, 20_000, 'every request in a handler');
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, CUT_MS));
    await proxy.restore();
    const restoredAt = Date.now();
    await Promise.all(requests);
    const answeredAfterMs = Date.now() - restoredAt;
    await proxy.cut();

    const figures = ledger.figures({
      recoverMs: answeredAfterMs,
      notes: `cut ${CUT_MS} ms while ${REQUESTS} requests were in handlers; failed: ${JSON.stringify(Object.fromEntries(failures))}`,
    });
    expect(failures.size).toBe(0);
    expect(figures).toMatchObject({ sent: REQUESTS, acknowledged: REQUESTS, handled: REQUESTS, lost: 0, unexpected: 0 });
  });
});
