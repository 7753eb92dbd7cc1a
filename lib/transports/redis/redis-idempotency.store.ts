import type { Cluster, Redis } from 'ioredis';
import { showOnly } from '../shared/credentials.js';
import type { ClaimResult, IdempotencyStore } from '../contract/idempotency-store.js';

// One round trip: claim the key unless someone holds it, and if so say whether that run is done.
const CLAIM = `
if redis.call('SET', KEYS[1], 'running', 'PX', ARGV[1], 'NX') then return 'claimed' end
if redis.call('GET', KEYS[1]) == 'done' then return 'done' end
return 'in-progress'`;

/**
 * Idempotency keys in Redis, shared by every instance: a claim is `SET NX` with a TTL, a success
 * keeps the key for the window, a failure deletes it. The Redis transport uses one on its own
 * connection; a RabbitMQ deployment can pass one built on its own ioredis client:
 *
 * ```ts
 * MessageBusModule.forRoot('amqp://…', { idempotency: { store: new RedisIdempotencyStore(new Redis(url)) } })
 * ```
 * @publicApi
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: Redis | Cluster,
    /** Key prefix; give it a hash tag (`{bus}:once:`) to keep the keys in one Cluster slot. */
    private readonly prefix = 'bus:once:',
  ) {
    // Its client may be the transport's own, whose options hold the password.
    showOnly(this, () => `RedisIdempotencyStore { prefix: '${prefix}' }`);
  }

  async claim(key: string, claimTtlMs: number): Promise<ClaimResult> {
    return (await this.redis.eval(CLAIM, 1, this.prefix + key, claimTtlMs)) as ClaimResult;
  }

  async commit(key: string, windowMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, 'done', 'PX', windowMs);
  }

  async release(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
