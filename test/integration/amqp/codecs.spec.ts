import { afterAll, describe } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { MessagePackCodec } from 'nestjs-message-bus/msgpack';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { agentsCodec } from '../../support/codecs.js';
import { busContract } from '../bus.contract.js';
import { flowContract } from '../flow.contract.js';
import { deleteNamespaces, testNamespace } from './support/broker.js';
import { holdBrokerLock } from './support/broker-lock.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);
const protobuf = await agentsCodec();

// The contract again with each codec other than JSON (amqp.spec.ts runs it with JSON).
describe.runIf(available)('RabbitMQ, every codec', () => {
  holdBrokerLock();
  const namespaces: string[] = [];
  afterAll(() => deleteNamespaces(namespaces));
  const makeTransport = () => {
    const exchange = testNamespace('codecs');
    namespaces.push(exchange);
    return new AmqpTransport({ url: AMQP_URL, exchange });
  };

  for (const [name, codec] of [['msgpack', new MessagePackCodec()], ['protobuf', protobuf]] as const) {
    busContract(`amqp (${name})`, makeTransport, { codec });
    flowContract(`amqp (${name})`, makeTransport, { codec });
  }
});
