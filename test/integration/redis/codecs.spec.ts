import { afterAll, describe } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { MessagePackCodec } from 'nestjs-message-bus/msgpack';
import { agentsCodec } from '../../support/codecs.js';
import { busContract } from '../bus.contract.js';
import { flowContract } from '../flow.contract.js';
import { RedisNamespaces } from './support/redis-namespaces.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const protobuf = await agentsCodec();

// The contract again with each codec other than JSON (redis.spec.ts runs it with JSON).
describe.skipIf(!available)('redis transport, every codec', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  afterAll(() => namespaces.cleanup());
  const makeTransport = () => new RedisTransport({ url: REDIS_URL, prefix: namespaces.next() });

  for (const [name, codec] of [['msgpack', new MessagePackCodec()], ['protobuf', protobuf]] as const) {
    busContract(`redis (${name})`, makeTransport, { codec });
    flowContract(`redis (${name})`, makeTransport, { codec });
  }
});
