import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { REDIS_URL } from '../../../support/brokers.js';
import { AppTracker } from '../../../support/bus-app.js';
import { ChildProcesses } from './child-processes.js';
import { RedisNamespaces } from './redis-namespaces.js';

export interface RedisFixture {
  /** Fresh key prefixes, deleted after the file. */
  namespaces: RedisNamespaces;
  /** Apps started in a test, closed after it. */
  apps: AppTracker;
  /** A plain client, to look at and write keys the way other tools would. */
  redis: Redis;
}

/** What a Redis spec file shares: its hooks register here. Call it inside the file's `describe`. */
export function useRedisFixture(): RedisFixture {
  const namespaces = new RedisNamespaces(REDIS_URL);
  const apps = new AppTracker();
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  beforeAll(() => redis.connect());
  afterEach(() => apps.closeAll());
  afterAll(async () => {
    await namespaces.cleanup();
    redis.disconnect();
  });
  return { namespaces, apps, redis };
}

/** The Redis fixture plus child processes running a bus app each, stopped after every test. */
export function useRedisProcesses(): RedisFixture & { children: ChildProcesses } {
  const children = new ChildProcesses();
  beforeAll(() => children.build(), 30_000);
  afterEach(() => children.stopAll());
  afterAll(() => children.dispose());
  return { ...useRedisFixture(), children };
}
