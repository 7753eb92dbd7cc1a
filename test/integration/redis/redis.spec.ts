import { afterAll, describe } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { busContract, flowContract } from 'nestjs-message-bus/testing/contract';
import { RedisNamespaces } from './support/redis-namespaces.js';

const available = await brokerAvailable('Redis', REDIS_URL);

describe.skipIf(!available)('redis transport', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  afterAll(() => namespaces.cleanup());
  // Each call is a namespace of its own: isolated from every other transport the suites make.
  const makeTransport = () => new RedisTransport({ url: REDIS_URL, prefix: namespaces.next() });

  busContract('redis', makeTransport);
  flowContract('redis', makeTransport);
});
