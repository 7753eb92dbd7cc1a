import { jsonCodec, type Codec } from '../messages/codec.js';
import { CodecTable, type CodecRule } from '../messages/codec-table.js';
import { InvalidOptionsError } from '../messages/errors.js';
import type { BusLogger } from '../transports/contract/transport.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import type { IdempotencyStore } from '../transports/contract/idempotency-store.js';
import { assertInteger } from '../primitives/assert-integer.js';
import { DEFAULT_RETRY_POLICY, mergeRetryPolicy, type RetryPolicy } from './retry-policy.js';

/** What a publisher meets when the local queue is full. @publicApi */
export type BackpressureStrategy = 'block' | 'reject-new' | 'drop-oldest' | 'adaptive';

export interface IdempotencySettings {
  /** Given in the options; otherwise the transport's, else one in process memory (set at start). */
  store?: IdempotencyStore;
  /** How long a handled key is remembered. */
  windowMs: number;
  /** How long a claim lasts while its handler runs (a crashed claim expires after it). */
  claimTtlMs: number;
}

/**
 * The options of the bus itself, whatever hosts it. `BusOptions` adds the Nest-specific ones.
 * @publicApi
 */
export interface CoreBusOptions {
  /** The consumer group of this application's handlers; default `'app'`. */
  serviceName?: string;
  /** Default retry policy of every handler. */
  retry?: RetryPolicy;
  /** Messages handled at once by this instance; default 100. */
  concurrency?: number;
  /** Messages queued locally before backpressure applies; default 10000. */
  maxQueueSize?: number;
  /**
   * What a publisher meets when the queue is full: it waits (`block`, default), gets
   * `OverloadedError` (`reject-new`), the oldest least urgent queued event is dropped
   * (`drop-oldest`; commands are never dropped), or admission slows down from half full (`adaptive`).
   */
  backpressure?: BackpressureStrategy;
  /** Larger payloads are refused with `PayloadTooLargeError`; default 1 MiB. */
  maxPayloadBytes?: number;
  /** Bounds of the dead-letter store: oldest dropped past `maxSize` (default 10000) or `ttlMs` (default 7 days). */
  deadLetters?: { maxSize?: number; ttlMs?: number };
  /** Payload encoding on broker transports; default JSON. */
  codec?: Codec;
  /**
   * Codecs by topic pattern, first match wins, over `codec`; a `@Topic` class's own `codec` wins
   * over both. Inbound messages are decoded by their content type, whatever these say.
   */
  codecs?: CodecRule[];
  /** How long shutdown waits for queued and running messages; default 10000 ms. */
  drainTimeoutMs?: number;
  /** Default `timeoutMs` of every handler; default none. */
  handlerTimeoutMs?: number;
  /** Default circuit breaker of every handler; default none. */
  circuitBreaker?: CircuitBreakerOptions;
  /**
   * Where idempotent handlers record what they handled: `store` (default: the transport's shared
   * store if it has one, else one in process memory), kept `windowMs` (default 24 h); a claim
   * lasts `claimTtlMs` while its handler runs (default 60 s).
   */
  idempotency?: { store?: IdempotencyStore; windowMs?: number; claimTtlMs?: number };
  /** Log level of the line written when a handler fails; default `'warn'`. */
  handlerFailureLogLevel?: LogLevel;
}

/** @publicApi */
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'off';

/** Makes the logger of one component of the bus (Nest: `new Logger(context)`). */
export type LoggerFactory = (context: string) => BusLogger;

export interface EngineOptions {
  serviceName: string;
  retry: Readonly<Required<RetryPolicy>>;
  concurrency: number;
  maxQueueSize: number;
  backpressure: BackpressureStrategy;
  maxPayloadBytes: number;
  deadLetters: { maxSize: number; ttlMs: number };
  codec: Codec;
  codecs: CodecTable;
  drainTimeoutMs: number;
  handlerTimeoutMs?: number;
  circuitBreaker?: CircuitBreakerOptions;
  idempotency: IdempotencySettings;
  handlerFailureLogLevel: LogLevel;
  createLogger: LoggerFactory;
  logger: BusLogger;
}

const BACKPRESSURE: readonly BackpressureStrategy[] = ['block', 'reject-new', 'drop-oldest', 'adaptive'];
const SERVICE_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Applies defaults and rejects out-of-range values at bootstrap. */
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'log', 'debug', 'off'];

export function resolveEngineOptions(options: CoreBusOptions, createLogger: LoggerFactory): EngineOptions {
  const resolved: EngineOptions = {
    serviceName: options.serviceName ?? 'app',
    retry: mergeRetryPolicy(DEFAULT_RETRY_POLICY, options.retry),
    concurrency: options.concurrency ?? 100,
    maxQueueSize: options.maxQueueSize ?? 10_000,
    backpressure: options.backpressure ?? 'block',
    maxPayloadBytes: options.maxPayloadBytes ?? 1024 * 1024,
    deadLetters: {
      maxSize: options.deadLetters?.maxSize ?? 10_000,
      ttlMs: options.deadLetters?.ttlMs ?? 7 * 24 * 3600_000,
    },
    codec: options.codec ?? jsonCodec,
    codecs: new CodecTable(options.codec ?? jsonCodec, options.codecs),
    drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
    handlerTimeoutMs: options.handlerTimeoutMs,
    circuitBreaker: options.circuitBreaker,
    idempotency: {
      store: options.idempotency?.store,
      windowMs: options.idempotency?.windowMs ?? 24 * 3600_000,
      claimTtlMs: options.idempotency?.claimTtlMs ?? 60_000,
    },
    handlerFailureLogLevel: options.handlerFailureLogLevel ?? 'warn',
    createLogger,
    logger: createLogger('MessageBus'),
  };
  if (!SERVICE_NAME.test(resolved.serviceName)) {
    throw new InvalidOptionsError(`serviceName must be 1..100 chars of [A-Za-z0-9_.:-], got "${resolved.serviceName}"`);
  }
  if (!LOG_LEVELS.includes(resolved.handlerFailureLogLevel)) {
    throw new InvalidOptionsError(`handlerFailureLogLevel must be one of ${LOG_LEVELS.join(', ')}, got "${resolved.handlerFailureLogLevel}"`);
  }
  if (!BACKPRESSURE.includes(resolved.backpressure)) {
    throw new InvalidOptionsError(`backpressure must be one of ${BACKPRESSURE.join(', ')}, got "${resolved.backpressure}"`);
  }
  assertInteger('concurrency', resolved.concurrency, 1);
  assertInteger('maxQueueSize', resolved.maxQueueSize, 1);
  assertInteger('maxPayloadBytes', resolved.maxPayloadBytes, 1);
  assertInteger('deadLetters.maxSize', resolved.deadLetters.maxSize, 0);
  assertInteger('deadLetters.ttlMs', resolved.deadLetters.ttlMs, 1);
  assertInteger('drainTimeoutMs', resolved.drainTimeoutMs, 0);
  if (resolved.handlerTimeoutMs !== undefined) assertInteger('handlerTimeoutMs', resolved.handlerTimeoutMs, 1);
  assertInteger('idempotency.windowMs', resolved.idempotency.windowMs, 1);
  assertInteger('idempotency.claimTtlMs', resolved.idempotency.claimTtlMs, 1);
  assertInteger('retry.maxAttempts', resolved.retry.maxAttempts, 1);
  assertInteger('retry.initialDelayMs', resolved.retry.initialDelayMs, 0);
  assertInteger('retry.maxDelayMs', resolved.retry.maxDelayMs, 0);
  if (!(resolved.retry.factor >= 1)) throw new InvalidOptionsError(`retry.factor must be >= 1, got ${resolved.retry.factor}`);
  return resolved;
}
