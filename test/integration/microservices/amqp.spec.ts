import { afterAll, describe } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { deleteNamespaces, testNamespace } from '../amqp/support/broker.js';
import { holdBrokerLock } from '../amqp/support/broker-lock.js';
import { microservicesContract } from './microservices.contract.js';
import { processesContract } from './processes.contract.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

describe.runIf(available)('microservices on RabbitMQ', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  // rabbitmqctl lists the queues of every test here: slow on a busy machine.
  afterAll(() => deleteNamespaces(namespaces), 60_000);
  microservicesContract('amqp', () => {
    const exchange = testNamespace('micro');
    namespaces.push(exchange);
    return () => new AmqpTransport({ url: AMQP_URL, exchange });
  });
  processesContract(
    'amqp',
    () => {
      const exchange = testNamespace('micro-processes');
      namespaces.push(exchange);
      return exchange;
    },
    (exchange) => new AmqpTransport({ url: AMQP_URL, exchange }),
  );
});
