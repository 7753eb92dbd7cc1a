import type { Cluster, Redis } from 'ioredis';
import { showOnly } from '../transports/shared/credentials.js';
import type { SagaStore, StoredSaga } from './saga-store.js';

// Compare-and-set in one script: write (or delete) only while the stored version is the expected one.
const SAVE = `
if tonumber(redis.call('HGET', KEYS[1], 'v') or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[1]) + 1, 'd', ARGV[2])
return 1`;
const REMOVE = `
if tonumber(redis.call('HGET', KEYS[1], 'v') or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

/**
 * Saga instances in Redis, one hash per instance (version and data), updated by a Lua
 * compare-and-set so concurrent writers of one instance cannot both win.
 *
 * ```ts
 * SagaModule.forRoot({ store: new RedisSagaStore(new Redis(url)) })
 * ```
 * @publicApi
 */
export class RedisSagaStore implements SagaStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix = 'bus:saga:',
  ) {
    // The given client holds the password among its options: show the prefix only.
    showOnly(this, () => `RedisSagaStore { prefix: '${prefix}' }`);
  }

  async load(sagaName: string, sagaId: string): Promise<StoredSaga | undefined> {
    const [version, data] = await this.redis.hmget(this.keyOf(sagaName, sagaId), 'v', 'd');
    return version === null || data === null ? undefined : { version: Number(version), data };
  }

  async save(sagaName: string, sagaId: string, data: string, expectedVersion: number): Promise<boolean> {
    return (await this.redis.eval(SAVE, 1, this.keyOf(sagaName, sagaId), expectedVersion, data)) === 1;
  }

  async remove(sagaName: string, sagaId: string, expectedVersion: number): Promise<boolean> {
    return (await this.redis.eval(REMOVE, 1, this.keyOf(sagaName, sagaId), expectedVersion)) === 1;
  }

  private keyOf(sagaName: string, sagaId: string): string {
    return `${this.prefix}${sagaName}:${sagaId}`;
  }
}
