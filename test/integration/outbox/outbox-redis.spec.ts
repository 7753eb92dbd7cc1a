import { beforeEach, describe } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { REDIS_URL } from '../../support/brokers.js';
import { usePostgres } from '../../support/postgres.js';
import { useRedisFixture } from '../redis/support/redis-fixture.js';
import { outboxContract } from './outbox.contract.js';

describe('transactional outbox on Redis', () => {
  const { apps, namespaces } = useRedisFixture();
  const postgres = usePostgres('outbox_redis');
  let prefix = '';
  beforeEach(() => void (prefix = namespaces.next()));
  outboxContract({ apps, postgres, transport: () => new RedisTransport({ url: REDIS_URL, prefix }) });
});
