import { afterAll, describe } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { busContract, flowContract } from 'nestjs-message-bus/testing/contract';
import { deleteNamespaces, testNamespace } from './support/broker.js';
import { holdBrokerLock } from './support/broker-lock.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

describe.runIf(available)('RabbitMQ', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  afterAll(() => deleteNamespaces(namespaces));

  const makeTransport = () => {
    const exchange = testNamespace('contract');
    namespaces.push(exchange);
    return new AmqpTransport({ url: AMQP_URL, exchange });
  };
  busContract('amqp', makeTransport);
  flowContract('amqp', makeTransport);
});
