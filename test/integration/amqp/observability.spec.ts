import { afterAll, describe } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { brokerObservability } from '../observability/broker-observability.js';
import { deleteNamespaces, testNamespace } from './support/broker.js';
import { holdBrokerLock } from './support/broker-lock.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

describe.runIf(available)('RabbitMQ', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  afterAll(() => deleteNamespaces(namespaces));
  brokerObservability('amqp', 'rabbitmq', AMQP_URL, (url) => {
    const exchange = testNamespace('observability');
    namespaces.push(exchange);
    return new AmqpTransport({ url, exchange });
  });
});
