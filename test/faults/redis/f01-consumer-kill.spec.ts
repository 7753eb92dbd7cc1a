// F01: un-acked work of a consumer killed with -9 mid-batch is taken over by the other one.
import { Redis } from 'ioredis';
import { afterAll, describe, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { RedisNamespaces } from '../../integration/redis/support/redis-namespaces.js';
import { useFaultRun } from '../support/fault-run.js';
import { killMidBatch } from '../support/kill-mid-batch.js';

const available = await brokerAvailable('Redis', REDIS_URL);

describe.skipIf(!available)('F01 redis: consumer kill -9 mid-batch', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  const fault = useFaultRun('F01', 'redis');
  afterAll(() => namespaces.cleanup());

  it('hands every acknowledged send to the survivor, the killed one’s deliveries again with attempt 2', async () => {
    const prefix = namespaces.next();
    const worker = { url: REDIS_URL, namespace: prefix, serviceName: 'workers', concurrency: 100, visibilityTimeoutMs: 2_000 };
    await killMidBatch(fault(), worker, new RedisTransport({ url: REDIS_URL, prefix }));
    const redis = new Redis(REDIS_URL);
    try {
      await until(async () => ((await redis.xpending(`{${prefix}}:q:workers:5`, 'workers')) as [number])[0] === 0, 10_000, 'an empty pending list');
    } finally {
      redis.disconnect();
    }
  });
});
