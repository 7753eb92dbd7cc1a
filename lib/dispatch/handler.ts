import type { MessageKind } from '../messages/envelope.js';
import type { MessageContext } from '../messages/message-context.js';
import type { BatchOptions } from './batch-buffer.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import type { RetryPolicy } from './retry-policy.js';
import { Semaphore } from './semaphore.js';

/**
 * Options of `@CommandHandler`, `@EventHandler` and `@QueryHandler`.
 * @publicApi
 */
export interface HandlerOptions {
  /** 0..99, lower runs first among the handlers of one message; default 50. */
  priority?: number;
  /** Overrides the module's retry policy for this handler (and a message's `maxAttempts`). */
  retry?: RetryPolicy;
  /** At most this many executions of this handler at once. */
  concurrency?: number;
  /** Events only: every bus instance gets its own copy instead of one per group. */
  broadcast?: boolean;
  /**
   * Events only. `durable` (default): messages published `durable` or `both`, through the group's
   * queue. `realtime`: messages published `realtime` or `both`, in every instance, at most once
   * and never retried (pub/sub on Redis).
   */
  delivery?: 'durable' | 'realtime';
  /** Consumer group; default the module's `serviceName`. */
  group?: string;
  /** An attempt running longer fails with {@link HandlerTimeoutError} (and is retried by policy). */
  timeoutMs?: number;
  /** Stop running the handler after repeated failures, for a while (module default: off). */
  circuitBreaker?: CircuitBreakerOptions;
  /** Events only: the handler receives arrays of payloads and of contexts. */
  batch?: BatchOptions;
  /**
   * Run at most once per message id (`true`) or per key computed from the message, within the
   * module's idempotency window: a redelivered message is acked without running the handler.
   */
  idempotent?: boolean | IdempotencyKey;
}

/** Computes the idempotency key of a message. @publicApi */
export type IdempotencyKey = (payload: unknown, context: MessageContext) => string;

/** A handler function: the payload and its context in, a result (or a promise of one) out. */
export type HandlerFunction = (payload: unknown, context: MessageContext) => unknown;

/** A batch handler function: the payloads of one batch and, in the same order, their contexts. */
export type BatchHandlerFunction = (payloads: unknown[], contexts: MessageContext[]) => unknown;

/** What the Nest layer (or a session) registers. */
export interface HandlerSpec {
  /** `Class.method`, or a generated id for session handlers. */
  id: string;
  kind: MessageKind;
  patterns: readonly string[];
  options: HandlerOptions;
  invoke: HandlerFunction;
  /** Called once per batch instead of `invoke` when `options.batch` is set; a spec without it takes no batches. */
  invokeBatch?: BatchHandlerFunction;
  /** A `@Topic` class the payload is turned into when it arrives as a plain object. */
  payloadType?: Function;
  /** Session handlers see only messages of this session. */
  sessionId?: string;
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** How a batch handler is fed: its batch options and the function each batch is handed to. */
export interface Batching extends Readonly<BatchOptions> {
  readonly invoke: BatchHandlerFunction;
}

/** The resolved options of a registered handler. */
export interface HandlerSettings {
  retry: Readonly<Required<RetryPolicy>>;
  /** Set when the handler declares its own `retry.maxAttempts`. */
  maxAttempts?: number;
  timeoutMs?: number;
  concurrency?: number;
  circuitBreaker?: CircuitBreakerOptions;
  batch?: Batching;
  idempotencyKey?: IdempotencyKey;
}

/** A handler as the registry keeps it: options resolved, group assigned. */
export class RegisteredHandler {
  readonly limiter?: Semaphore;
  readonly breaker?: CircuitBreaker;
  readonly retry: Readonly<Required<RetryPolicy>>;
  readonly maxAttempts?: number;
  readonly timeoutMs?: number;
  readonly concurrency?: number;
  readonly circuitBreaker?: CircuitBreakerOptions;
  readonly batch?: Batching;
  readonly idempotencyKey?: IdempotencyKey;

  constructor(
    readonly id: string,
    readonly kind: MessageKind,
    readonly patterns: readonly string[],
    readonly group: string,
    readonly priority: number,
    readonly seq: number,
    settings: HandlerSettings,
    readonly invoke: HandlerFunction,
    readonly payloadType: Function | undefined,
    readonly sessionId: string | undefined,
  ) {
    this.retry = settings.retry;
    this.maxAttempts = settings.maxAttempts;
    this.timeoutMs = settings.timeoutMs;
    this.concurrency = settings.concurrency;
    this.circuitBreaker = settings.circuitBreaker;
    this.batch = settings.batch;
    this.idempotencyKey = settings.idempotencyKey;
    if (settings.concurrency !== undefined) this.limiter = new Semaphore(settings.concurrency);
    if (settings.circuitBreaker !== undefined) this.breaker = new CircuitBreaker(settings.circuitBreaker);
  }

  /**
   * The payload as this handler takes it: a plain object becomes an instance of the declared
   * `@Topic` class (without running its constructor), so handlers see the same type on every
   * transport.
   */
  payloadOf(payload: unknown): unknown {
    const type = this.payloadType;
    if (type === undefined || payload === null || typeof payload !== 'object' || payload instanceof type) {
      return payload;
    }
    const instance = Object.create(type.prototype as object) as Record<string, unknown>;
    for (const key of Object.keys(payload)) {
      if (!UNSAFE_KEYS.has(key)) instance[key] = (payload as Record<string, unknown>)[key];
    }
    return instance;
  }
}

/** Orders the handlers of one message: priority, then registration. */
export function byPriority(a: RegisteredHandler, b: RegisteredHandler): number {
  return a.priority - b.priority || a.seq - b.seq;
}
