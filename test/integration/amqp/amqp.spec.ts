import { afterAll, describe } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { contractCodecs } from '../../support/codecs.js';
import { busContract, flowContract, realtimeContract } from 'nestjs-message-bus/testing/contract';
import { deleteNamespaces, testNamespace } from './support/broker.js';
import { holdBrokerLock } from './support/broker-lock.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);
const codecs = await contractCodecs();

describe.runIf(available)('RabbitMQ', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  afterAll(() => deleteNamespaces(namespaces));

  const makeTransport = () => {
    const exchange = testNamespace('contract');
    namespaces.push(exchange);
    return new AmqpTransport({ url: AMQP_URL, exchange });
  };
  // Once per codec: JSON (the default), MessagePack, protobuf.
  for (const [suffix, codec] of codecs) {
    busContract(`amqp${suffix}`, makeTransport, { codec });
    flowContract(`amqp${suffix}`, makeTransport, { codec });
  }
  realtimeContract('amqp', makeTransport);
});
