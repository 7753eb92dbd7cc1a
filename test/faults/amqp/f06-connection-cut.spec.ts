// F06 (proxy variant): the producer's connection to RabbitMQ is cut mid-stream of confirmed
// sends: nothing confirmed is lost, unconfirmed sends are published again (duplicates counted),
// none fails untyped, and the producer carries on once the network is back.
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { holdBrokerLock } from '../../integration/amqp/support/broker-lock.js';
import { deleteNamespaces, testNamespace } from '../../integration/amqp/support/broker.js';
import { openLoop } from '../support/open-loop.js';
import { useFaultRun } from '../support/fault-run.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);
const MESSAGES = 1_500;
const CUT_MS = 3_000;

describe.skipIf(!available)('F06 amqp: producer connection cut during confirmed sends', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  const fault = useFaultRun('F06', 'amqp');
  afterAll(() => deleteNamespaces(namespaces));

  it('loses no confirmed send and resumes after the cut', async () => {
    const { ledger, children, apps, child } = fault();
    const namespace = testNamespace('f06');
    namespaces.push(namespace);
    for (const name of ['a', 'b']) await children.start(child(name, { url: AMQP_URL, namespace, serviceName: 'workers', concurrency: 50 }));
    const proxy = await TcpProxy.start(AMQP_URL);
    const sender = await apps.start({ transport: new AmqpTransport({ url: proxy.url(AMQP_URL), exchange: namespace }), options: { serviceName: 'sender' } });

    const cut = async () => {
      await proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, CUT_MS));
      const restoredAt = Date.now();
      await proxy.restore();
      return restoredAt;
    };
    const restoredAt = await openLoop(ledger, { count: MESSAGES, perSecond: 500, fault: { at: 0.4, inject: cut } }, (id) =>
      sender.bus.send('fault.work', { id }),
    );
    await until(() => ledger.allAcknowledgedHandled(), 60_000, 'every confirmed send handled');
    const recoverMs = ledger.firstHandledAfter(restoredAt);
    const figures = ledger.figures({ recoverMs, notes: `producer cut ${CUT_MS} ms at 40% of an open loop at 500/s` });
    await proxy.cut();

    expect(figures).toMatchObject({ sent: MESSAGES, lost: 0, unexpected: 0, untypedRejections: 0 });
    expect(figures.acknowledged + figures.typedRejections).toBe(MESSAGES);
  });
});
