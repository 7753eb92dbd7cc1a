// F02: deliveries a consumer killed with -9 had not acked are requeued to the other one.
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { holdBrokerLock } from '../../integration/amqp/support/broker-lock.js';
import { deleteNamespaces, rabbitmqctl, testNamespace } from '../../integration/amqp/support/broker.js';
import { useFaultRun } from '../support/fault-run.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);
const MESSAGES = 400;

describe.skipIf(!available)('F02 amqp: consumer kill -9 mid-batch', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  const fault = useFaultRun('F02', 'amqp');
  afterAll(() => deleteNamespaces(namespaces));

  it('requeues what the killed consumer held to the survivor, nothing left on the queue', async () => {
    const { ledger, children, apps, child } = fault();
    const namespace = testNamespace('f02');
    namespaces.push(namespace);
    const worker = (name: string) =>
      children.start(child(name, { url: AMQP_URL, namespace, serviceName: 'workers', concurrency: 100, prefetch: 100 }));
    const doomed = await worker('doomed');
    const survivor = await worker('survivor');
    const sender = await apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange: namespace }), options: { serviceName: 'sender' } });

    const sends = Array.from({ length: MESSAGES }, () => ledger.newId()).map((id) =>
      ledger.send(id, () => sender.bus.send('fault.work', { id, sleepMs: 1_500 })),
    );
    await until(() => ledger.lines().filter((line) => line.pid === doomed.pid).length >= 50, 20_000, 'the doomed consumer’s batch');
    const done = new Set(ledger.handledLines().map((line) => line.id));
    const held = ledger.lines().filter((line) => line.pid === doomed.pid && !done.has(line.id)).map((line) => line.id);
    const killedAt = Date.now();
    await doomed.kill();
    await Promise.all(sends);

    await until(() => [...ledger.acknowledged].every((id) => ledger.handledIds().has(id)), 60_000, 'every acknowledged send handled');
    const figures = ledger.figures({ recoverMs: Date.now() - killedAt, notes: `${held.length} in flight on the killed consumer` });

    expect(figures).toMatchObject({ sent: MESSAGES, acknowledged: MESSAGES, lost: 0, unexpected: 0 });
    const again = ledger.handledLines().filter((line) => line.pid === survivor.pid && held.includes(line.id));
    expect(figures.duplicates).toBeLessThanOrEqual(held.length);
    expect(again.every((line) => line.attempt >= 2)).toBe(true);
    // The group queue ends empty: every requeued delivery was acked by the survivor.
    await until(async () => {
      const queues = JSON.parse(await rabbitmqctl('list_queues', '--formatter=json', '-q', 'name', 'messages')) as { name: string; messages: number }[];
      return queues.filter((queue) => queue.name.startsWith(namespace) && queue.name.includes('workers')).every((queue) => queue.messages === 0);
    }, 15_000, 'an empty group queue');
  });
});
