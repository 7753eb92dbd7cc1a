import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { assertInteger } from '../../primitives/assert-integer.js';
import { InvalidTransportError } from '../../messages/errors.js';
import { DEFAULT_MAX_PAYLOAD_DEPTH } from '../../messages/inbound.js';
import { maskUrl, showOnly } from '../shared/credentials.js';
import type { TransportContext } from '../contract/transport.js';

/**
 * Options of {@link RedisTransport}. Only `url` is usually needed.
 * @publicApi
 */
export interface RedisTransportOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` for TLS; default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * Namespace of every key and channel; default `bus`. A hash tag is added unless the prefix has
   * one (`bus` becomes `{bus}`), so all keys live in one Redis Cluster slot.
   */
  prefix?: string;
  /**
   * A message handed to a consumer and not acknowledged for this long (its process died or hung)
   * is taken over by another consumer of the group; default 30000 ms. Live consumers renew
   * their hold on the messages they are working on, so slow handlers are not taken over.
   */
  visibilityTimeoutMs?: number;
  /**
   * Messages one consumer reads ahead of its handlers, not yet acknowledged; default 256, or
   * twice the bus `concurrency` when that is more.
   */
  prefetch?: number;
  /**
   * Streams per group for message priorities 0..99; default 10 (0-9, 10-19, … 90-99). A backlog
   * in Redis is read band by band, lowest first; within a band in publish order.
   */
  priorityBands?: number;
  /** How often each instance moves due delayed messages (retries, `delayMs`) to their streams; default 100 ms. */
  delayedPollMs?: number;
  /** An instance not heard from for this long is dead: its per-instance groups are removed; default 30000 ms. */
  instanceTtlMs?: number;
  /** How long `connect` waits for Redis before failing; default 10000 ms. */
  connectTimeoutMs?: number;
  /** How long `close` waits for handed-out messages to be acked (they are redelivered otherwise); default 5000 ms. */
  closeTimeoutMs?: number;
  /** `maxAttempts` of an entry that carries none (written by another producer); default the module's `retry.maxAttempts`. */
  defaultMaxAttempts?: number;
  /** Deepest JSON nesting a received payload may have; deeper ones are dead-lettered `UNDECODABLE`. Default 64. */
  maxPayloadDepth?: number;
  /** Extra ioredis options for every connection (TLS, timeouts, `maxRetriesPerRequest`…). */
  redisOptions?: RedisOptions;
  /**
   * Makes each connection instead of `url` — for a Redis Cluster, say:
   * `() => new Cluster([{ host, port }])`. Called several times per bus instance.
   */
  createClient?: () => Redis | Cluster;
}

// Left to the bus when not set: known only once a bus instance connects.
type FromContext = 'prefetch' | 'defaultMaxAttempts';

export type ResolvedRedisOptions = Required<Omit<RedisTransportOptions, 'createClient' | 'redisOptions' | FromContext>> &
  Pick<RedisTransportOptions, 'createClient' | 'redisOptions' | FromContext>;

/** The options of one bus instance's connection: every one of them set. */
export type ConnectionOptions = ResolvedRedisOptions & Required<Pick<RedisTransportOptions, FromContext>>;

const DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  prefix: 'bus',
  visibilityTimeoutMs: 30_000,
  priorityBands: 10,
  delayedPollMs: 100,
  instanceTtlMs: 30_000,
  connectTimeoutMs: 10_000,
  closeTimeoutMs: 5_000,
  maxPayloadDepth: DEFAULT_MAX_PAYLOAD_DEPTH,
} as const;

const LIMITS = {
  visibilityTimeoutMs: [100, 24 * 3600_000],
  prefetch: [1, 100_000],
  priorityBands: [1, 100],
  delayedPollMs: [5, 60_000],
  instanceTtlMs: [1_000, 24 * 3600_000],
  connectTimeoutMs: [1, 3600_000],
  closeTimeoutMs: [0, 3600_000],
  defaultMaxAttempts: [1, 1_000_000],
  maxPayloadDepth: [1, 1000],
} satisfies Partial<Record<keyof RedisTransportOptions, [number, number]>>;

/** Applies defaults and rejects unusable values (the constructor calls it: no I/O). */
export function resolveRedisOptions(options: RedisTransportOptions): ResolvedRedisOptions {
  const resolved: ResolvedRedisOptions = { ...DEFAULTS, ...stripUndefined(options) };
  for (const [name, [min, max]] of Object.entries(LIMITS)) {
    const value = resolved[name as keyof typeof LIMITS];
    // Only the options left to the bus can be unset here; they are checked by the bus.
    if (value === undefined) continue;
    assertInteger(`RedisTransport option ${name}`, value, min, max, InvalidTransportError);
  }
  if (!/^rediss?:\/\//i.test(resolved.url)) {
    throw new InvalidTransportError('RedisTransport url must start with redis:// or rediss://');
  }
  if (!/^[^\s*?[\]]{1,100}$/.test(resolved.prefix)) {
    throw new InvalidTransportError(`RedisTransport prefix must be 1..100 chars without spaces or glob characters`);
  }
  return concealed(resolved);
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Fills in what defaults to the bus's own settings: prefetch from `concurrency`, attempts from `retry`. */
export function connectionOptions(options: ResolvedRedisOptions, context: TransportContext): ConnectionOptions {
  return concealed({
    ...options,
    url: options.url,
    redisOptions: options.redisOptions,
    prefetch: options.prefetch ?? Math.max(256, 2 * context.concurrency),
    defaultMaxAttempts: options.defaultMaxAttempts ?? context.maxAttempts,
  });
}

/** The options with `url` and `redisOptions` (which may hold a password) out of every view. */
function concealed<T extends ResolvedRedisOptions>(options: T): T {
  Object.defineProperty(options, 'url', { enumerable: false });
  Object.defineProperty(options, 'redisOptions', { enumerable: false });
  return showOnly(options, () => ({
    ...options,
    url: maskUrl(options.url),
    redisOptions: options.redisOptions && { ...options.redisOptions, password: options.redisOptions.password && '***' },
  }));
}
