import { afterAll, describe } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { RedisNamespaces } from '../redis/support/redis-namespaces.js';
import { microservicesContract } from './microservices.contract.js';
import { processesContract } from './processes.contract.js';

const available = await brokerAvailable('Redis', REDIS_URL);

describe.skipIf(!available)('microservices on redis', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  afterAll(() => namespaces.cleanup());
  microservicesContract('redis', () => {
    const prefix = namespaces.next();
    return () => new RedisTransport({ url: REDIS_URL, prefix });
  });
});

describe.skipIf(!available)('microservices across processes on redis', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  afterAll(() => namespaces.cleanup());
  processesContract('redis', () => namespaces.next(), (prefix) => new RedisTransport({ url: REDIS_URL, prefix }));
});
