import { redisError } from './redis.error.js';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import type { BusLogger } from '../contract/transport.js';
import type { ResolvedRedisOptions } from './redis.options.js';
import { showOnly, type CredentialScrubber } from '../shared/credentials.js';

/** A connection to Redis: a standalone client, or a cluster client from `createClient`. */
export type RedisClient = Redis | Cluster;

/** What each connection is for; shown in `CLIENT LIST` as `bus:<instance>:<role>`. */
export type ClientRole = 'commands' | 'subscriber' | 'replies' | `reader:${string}`;

// Reconnects quickly at first, then every 2 s. With it, a command waiting for Redis is refused
// after about 5 s of outage (10 attempts) instead of hanging: `send` rejects rather than pretending.
const retryStrategy = (attempt: number): number => Math.min(attempt * 100, 2_000);
const COMMAND_RETRIES = 10;

/** Makes the connections of one bus instance, each logging its outages once, with credentials masked. */
export class RedisClients {
  constructor(
    private readonly options: ResolvedRedisOptions,
    private readonly instanceId: string,
    private readonly logger: BusLogger,
    private readonly scrubber: CredentialScrubber,
  ) {}

  /** A new connection; `ready()` tells when it can be used. */
  create(role: ClientRole): RedisClient {
    const client = this.options.createClient?.() ?? new Redis(this.options.url, this.clientOptions(role));
    this.watch(client, role);
    // Whatever holds a client (a store, a reader) must not show the password it keeps in its options.
    return showOnly(client, () => `${client.constructor.name} { role: '${role}', url: '${this.scrubber.maskedUrl}' }`);
  }

  /** Resolves once `client` is connected; rejects after `connectTimeoutMs` with a scrubbed error. */
  ready(client: RedisClient, role: ClientRole): Promise<void> {
    if (client.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      let lastError: unknown = new Error('no answer');
      const onError = (error: unknown): void => {
        lastError = error;
      };
      const onReady = (): void => {
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(redisError(this.scrubber, `Could not connect the ${role} connection within ${this.options.connectTimeoutMs} ms`, lastError));
      }, this.options.connectTimeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
      };
      client.on('ready', onReady);
      client.on('error', onError);
    });
  }

  /** Closes a connection, politely when it is up, at once otherwise. */
  async quit(client: RedisClient): Promise<void> {
    if (client.status === 'ready') {
      try {
        await client.quit();
        return;
      } catch {
        // Redis went away meanwhile; disconnecting below is all that is left to do.
      }
    }
    client.disconnect();
  }

  private clientOptions(role: ClientRole): RedisOptions {
    const defaults: RedisOptions = {
      retryStrategy,
      maxRetriesPerRequest: COMMAND_RETRIES,
      // Commands issued in one tick (a burst of publishes, a batch of acks) go out in one write.
      enableAutoPipelining: true,
      connectTimeout: this.options.connectTimeoutMs,
      connectionName: `bus:${this.instanceId}:${role}`,
    };
    if (role === 'commands') return { ...defaults, ...this.options.redisOptions };
    // The readers and the subscriber wait for Redis however long it takes (their loops resume by
    // themselves) and send one command at a time: a blocked read must not hold up a pipeline.
    return { ...defaults, ...this.options.redisOptions, maxRetriesPerRequest: null, enableAutoPipelining: false };
  }

  // ioredis emits 'error' for each failed reconnection attempt; one line per outage is enough.
  private watch(client: RedisClient, role: ClientRole): void {
    let down = false;
    client.on('error', (error: unknown) => {
      if (down) return;
      down = true;
      this.logger.warn(`Redis ${role} connection to ${this.scrubber.maskedUrl} failed: ${this.scrubber.message(error)}; reconnecting`);
    });
    client.on('ready', () => {
      if (!down) return;
      down = false;
      this.logger.log(`Redis ${role} connection to ${this.scrubber.maskedUrl} is back`);
    });
  }
}
