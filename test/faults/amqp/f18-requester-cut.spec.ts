// F18 on RabbitMQ: the requester's connection is cut while its requests are handled. Direct
// reply-to is at most once, so a reply sent while the requester is away is lost: each such
// request must end in a typed TIMEOUT, none hangs, none gets another caller's answer, and the
// requester answers again once the network is back.
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { holdBrokerLock } from '../../integration/amqp/support/broker-lock.js';
import { deleteNamespaces, testNamespace } from '../../integration/amqp/support/broker.js';
import { useFaultRun } from '../support/fault-run.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);
const REQUESTS = 200;
const CUT_MS = 1_000;
const TIMEOUT_MS = 6_000;
const SETTLE_SLACK_MS = 1_000;

describe.skipIf(!available)('F18 amqp: requester socket cut during requests', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  const fault = useFaultRun('F18', 'amqp');
  afterAll(() => deleteNamespaces(namespaces));

  it('settles every request, answered or TIMEOUT, within its timeout, and answers again after the cut', async () => {
    const { ledger, children, apps, child } = fault();
    const exchange = testNamespace('f18');
    namespaces.push(exchange);
    await children.start(child('responder', { url: AMQP_URL, namespace: exchange, serviceName: 'responders', concurrency: 500 }));
    const proxy = await TcpProxy.start(AMQP_URL);
    const requester = await apps.start({ transport: new AmqpTransport({ url: proxy.url(AMQP_URL), exchange }), options: { serviceName: 'requester' } });

    const outcomes = new Map<string, string>();
    let latestSettleMs = 0;
    const request = (id: string) =>
      ledger.send(id, async () => {
        const began = Date.now();
        const result = await requester.bus.request<{ id: string }>('fault.echo', { id, sleepMs: 1_500 }, { timeoutMs: TIMEOUT_MS });
        latestSettleMs = Math.max(latestSettleMs, Date.now() - began);
        if (result.ok) {
          // Never another caller's answer.
          expect(result.data.id).toBe(id);
          outcomes.set(id, 'ok');
        } else {
          outcomes.set(id, result.error.code);
        }
      });
    const requests = Array.from({ length: REQUESTS }, () => ledger.newId()).map(request);
    await until(() => ledger.lines().length >= REQUESTS, 20_000, 'every request in a handler');
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, CUT_MS));
    await proxy.restore();
    const restoredAt = Date.now();
    await Promise.all(requests);

    // The requester answers again: the next 100 requests all succeed.
    const after = Array.from({ length: 100 }, () => ledger.newId());
    await until(
      async () => {
        const probe = ledger.newId();
        await request(probe);
        return outcomes.get(probe) === 'ok';
      },
      60_000,
      'the requester reconnecting',
    );
    const answeredAgainAfterMs = Date.now() - restoredAt;
    await Promise.all(after.map(request));
    await proxy.cut();

    const counts = [...outcomes.values()].reduce<Record<string, number>>((sum, code) => ({ ...sum, [code]: (sum[code] ?? 0) + 1 }), {});
    const figures = ledger.figures({
      recoverMs: answeredAgainAfterMs,
      notes: `cut ${CUT_MS} ms while ${REQUESTS} requests of 1.5 s were in handlers; outcomes ${JSON.stringify(counts)}; latest settle ${latestSettleMs} ms (timeout ${TIMEOUT_MS} ms)`,
    });
    expect(Object.keys(counts).filter((code) => code !== 'ok' && code !== 'TIMEOUT')).toEqual([]);
    expect(after.every((id) => outcomes.get(id) === 'ok')).toBe(true);
    expect(latestSettleMs).toBeLessThan(TIMEOUT_MS + SETTLE_SLACK_MS);
    expect(figures).toMatchObject({ lost: 0, unexpected: 0, untypedRejections: 0 });
  });
});
