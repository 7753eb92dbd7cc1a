import { afterAll, describe } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { brokerObservability } from '../observability/broker-observability.js';
import { RedisNamespaces } from './support/redis-namespaces.js';

const available = await brokerAvailable('Redis', REDIS_URL);

describe.skipIf(!available)('redis', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  afterAll(() => namespaces.cleanup());
  brokerObservability('redis', 'redis', REDIS_URL, (url) => new RedisTransport({ url, prefix: namespaces.next() }));
});
