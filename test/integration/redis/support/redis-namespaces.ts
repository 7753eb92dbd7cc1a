import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Hands out key prefixes no other test uses, and deletes every key under them afterwards.
 * A prefix `bus-test-x` becomes the hash-tagged `{bus-test-x}` in Redis.
 */
export class RedisNamespaces {
  private readonly prefixes: string[] = [];

  constructor(private readonly url: string) {}

  next(): string {
    const prefix = `bus-test-${randomBytes(6).toString('hex')}`;
    this.prefixes.push(prefix);
    return prefix;
  }

  async cleanup(): Promise<void> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      for (const prefix of this.prefixes.splice(0)) await deleteKeys(redis, `{${prefix}}*`);
    } finally {
      redis.disconnect();
    }
  }
}

export async function deleteKeys(redis: Redis, match: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
