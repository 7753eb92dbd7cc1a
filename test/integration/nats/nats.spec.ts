import { afterAll, describe } from 'vitest';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { contractCodecs } from '../../support/codecs.js';
import { busContract, flowContract } from 'nestjs-message-bus/testing/contract';
import { NatsNamespaces } from './support/nats-namespaces.js';

const available = await brokerAvailable('NATS', NATS_URL);
const codecs = await contractCodecs();

describe.runIf(available)('NATS JetStream transport', () => {
  const namespaces = new NatsNamespaces(NATS_URL);
  afterAll(() => namespaces.cleanup());
  // Each call is a stream of its own: isolated from every other transport the suites make.
  const makeTransport = () => new NatsTransport({ servers: NATS_URL, stream: namespaces.next('contract') });

  // Once per codec: JSON (the default), MessagePack, protobuf.
  for (const [suffix, codec] of codecs) {
    busContract(`nats${suffix}`, makeTransport, { codec });
    flowContract(`nats${suffix}`, makeTransport, { codec });
  }
});
