// F15 (RabbitMQ): a queue at its max-length under `overflow: reject-publish` makes the broker nack
// the publish, and the send rejects with a typed error: no send resolves without its message
// queued. The policy applies to this test's own group queue only, and is removed after it.
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpTransport, AmqpTransportError } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { holdBrokerLock } from '../../integration/amqp/support/broker-lock.js';
import { deleteNamespaces, rabbitmqctl, testNamespace } from '../../integration/amqp/support/broker.js';
import { useFaultRun } from '../support/fault-run.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);
const MAX_LENGTH = 100;
const SENDS = 150;

async function queueRow(queue: string): Promise<{ messages: number; policy: string } | undefined> {
  const rows = JSON.parse(await rabbitmqctl('list_queues', '--formatter=json', '-q', 'name', 'messages', 'policy')) as { name: string; messages: number; policy: string }[];
  return rows.find((row) => row.name === queue);
}

describe.skipIf(!available)('F15 amqp: a full queue under reject-publish', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  afterAll(() => deleteNamespaces(namespaces));
  const fault = useFaultRun('F15', 'amqp');

  it(`resolves ${MAX_LENGTH} sends and rejects the rest typed, with the queue at ${MAX_LENGTH}`, async () => {
    const { ledger, apps, handlers } = fault();
    const namespace = testNamespace('f15');
    namespaces.push(namespace);
    const queue = `${namespace}.workers`;
    const policy = `${namespace}.max-length`;
    const worker = await apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange: namespace }), providers: handlers('worker-1', 'workers'), options: { serviceName: 'workers' } });
    await worker.close();
    await rabbitmqctl('set_policy', '--apply-to', 'queues', '--priority', '100', policy, `^${queue.replace(/[.]/g, '\\.')}$`, JSON.stringify({ 'max-length': MAX_LENGTH, overflow: 'reject-publish' }));
    try {
      await until(async () => (await queueRow(queue))?.policy === policy, 10_000, 'the policy applied to the group queue');
      const sender = await apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange: namespace }), options: { serviceName: 'sender' } });
      for (let n = 0; n < SENDS; n++) {
        const id = ledger.newId();
        await ledger.send(id, () => sender.bus.send('fault.work', { id }));
      }
      const depth = (await queueRow(queue))?.messages;
      const error = [...ledger.rejected.values()][0] as Error | undefined;
      await rabbitmqctl('clear_policy', policy);
      await apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange: namespace }), providers: handlers('worker-2', 'workers'), options: { serviceName: 'workers' } });
      await until(() => ledger.allAcknowledgedHandled(), 20_000, 'every acknowledged send handled');
      const figures = ledger.figures({ notes: `max-length ${MAX_LENGTH}, reject-publish, consumer stopped: queue depth ${depth}; ${error?.message}` });

      expect(depth).toBe(MAX_LENGTH);
      expect(error).toBeInstanceOf(AmqpTransportError);
      expect(figures).toMatchObject({ sent: SENDS, acknowledged: MAX_LENGTH, handled: MAX_LENGTH, typedRejections: SENDS - MAX_LENGTH, untypedRejections: 0, lost: 0, unexpected: 0, recovered: 0 });
    } finally {
      await rabbitmqctl('clear_policy', policy).catch(() => undefined);
    }
  });
});
