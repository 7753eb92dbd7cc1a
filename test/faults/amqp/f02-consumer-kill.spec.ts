// F02: deliveries a consumer killed with -9 had not acked are requeued to the other one.
import { afterAll, describe, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { holdBrokerLock } from '../../integration/amqp/support/broker-lock.js';
import { deleteNamespaces, rabbitmqctl, testNamespace } from '../../integration/amqp/support/broker.js';
import { useFaultRun } from '../support/fault-run.js';
import { killMidBatch } from '../support/kill-mid-batch.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

describe.skipIf(!available)('F02 amqp: consumer kill -9 mid-batch', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  const fault = useFaultRun('F02', 'amqp');
  afterAll(() => deleteNamespaces(namespaces));

  it('requeues what the killed consumer held to the survivor, nothing left on the queue', async () => {
    const namespace = testNamespace('f02');
    namespaces.push(namespace);
    const worker = { url: AMQP_URL, namespace, serviceName: 'workers', concurrency: 100, prefetch: 100 };
    await killMidBatch(fault(), worker, new AmqpTransport({ url: AMQP_URL, exchange: namespace }));
    // The group queue ends empty: every requeued delivery was acked by the survivor.
    await until(async () => {
      const queues = JSON.parse(await rabbitmqctl('list_queues', '--formatter=json', '-q', 'name', 'messages')) as { name: string; messages: number }[];
      return queues.filter((queue) => queue.name.startsWith(namespace) && queue.name.includes('workers')).every((queue) => queue.messages === 0);
    }, 15_000, 'an empty group queue');
  });
});
