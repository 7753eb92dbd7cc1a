import { afterAll, describe } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { contractCodecs } from '../../support/codecs.js';
import { busContract, flowContract, realtimeContract } from 'nestjs-message-bus/testing/contract';
import { RedisNamespaces } from './support/redis-namespaces.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const codecs = await contractCodecs();

describe.skipIf(!available)('redis transport', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  afterAll(() => namespaces.cleanup());
  // Each call is a namespace of its own: isolated from every other transport the suites make.
  const makeTransport = () => new RedisTransport({ url: REDIS_URL, prefix: namespaces.next() });

  // Once per codec: JSON (the default), MessagePack, protobuf.
  for (const [suffix, codec] of codecs) {
    busContract(`redis${suffix}`, makeTransport, { codec });
    flowContract(`redis${suffix}`, makeTransport, { codec });
  }
  realtimeContract('redis', makeTransport);
});
