import type { DeadLetter, DeadLetterReason } from '../messages/dead-letter.js';
import { BusHeaders, type Envelope } from '../messages/envelope.js';
import type { MessageContext } from '../messages/message-context.js';
import { HandlerTimeoutError, MessageBusError, toError, type BusErrorCode } from '../messages/errors.js';
import { failure, type QueryResult } from '../messages/results.js';
import type { BusLogger, Delivery } from '../transports/contract/transport.js';
import { BatchBuffer, type BatchItem } from './batch-buffer.js';
import { withinTimeout } from './deadline.js';
import type { BusCounters } from './bus-stats.js';
import type { IdempotencySettings, LogLevel } from './engine-options.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Batching, RegisteredHandler } from './handler.js';
import { MemoryIdempotencyStore } from './idempotency.js';
import { idempotencyScope } from './idempotency-scope.js';
import type { ClaimResult, IdempotencyStore } from '../transports/contract/idempotency-store.js';
import type { MessageMetrics, MessageTracer } from './instrumentation.js';
import type { BusMessageContext } from './message-context.js';
import { messageScope } from './message-scope.js';
import { retryDelay } from './retry-policy.js';

/** The transport's settle operations, handed to the executor when the bus starts. */
export interface Settler {
  schedule(group: string, envelope: Envelope, delayMs: number): void | Promise<void>;
  /** Stores the letter; when that fails, counts it and releases `delivery` to the broker. */
  deadLetter(letter: Omit<DeadLetter, 'id' | 'deadLetteredAt'>, delivery: Delivery): void | Promise<void>;
  reply(request: Envelope, result: QueryResult<unknown>): void | Promise<void>;
}

/** Work still running, or `undefined` when it finished synchronously. */
export type Pending = Promise<unknown> | undefined;

interface Verdict {
  retry: boolean;
  /** Where the message goes when it is not retried; none for a refused event (skipped). */
  reason?: DeadLetterReason;
  code: BusErrorCode;
}

const RETRY: Verdict = { retry: true, reason: 'ATTEMPTS_EXHAUSTED', code: 'HANDLER_ERROR' };
const VERDICTS: Record<string, Verdict> = {
  UNRECOVERABLE: { retry: false, reason: 'UNRECOVERABLE', code: 'HANDLER_ERROR' },
  FORBIDDEN: { retry: false, reason: 'REJECTED', code: 'FORBIDDEN' },
  VALIDATION: { retry: false, reason: 'VALIDATION', code: 'VALIDATION' },
};

/**
 * Runs one handler on one message and settles the outcome: a reply to a waiting requester, a
 * retry of this handler alone, or a dead letter. Around the call: the circuit breaker, the
 * idempotency claim, the handler's own concurrency limit and batching.
 */
export class HandlerExecutor {
  private readonly batches = new Map<RegisteredHandler, BatchBuffer>();
  private store: IdempotencyStore;
  private effects!: Settler;
  private metrics?: MessageMetrics;
  private tracer?: MessageTracer;

  private readonly idempotency: IdempotencySettings;
  private readonly logFailure?: (message: string) => void;

  constructor(
    private readonly counters: BusCounters,
    logger: BusLogger,
    options: { idempotency: IdempotencySettings; failureLogLevel: LogLevel },
  ) {
    this.idempotency = options.idempotency;
    this.store = options.idempotency.store ?? new MemoryIdempotencyStore();
    const level = options.failureLogLevel;
    if (level !== 'off') this.logFailure = (message) => (logger[level] ?? logger.log).call(logger, message);
  }

  instrument(metrics: MessageMetrics | undefined, tracer: MessageTracer | undefined): void {
    this.metrics = metrics;
    this.tracer = tracer;
  }

  /** Settles through `settler` from now on, and uses the transport's shared store unless the options named one. */
  start(settler: Settler, transportStore: IdempotencyStore | undefined): void {
    this.effects = settler;
    if (transportStore !== undefined && this.idempotency.store === undefined) this.store = transportStore;
  }

  run(handler: RegisteredHandler, delivery: Delivery, context: BusMessageContext): Pending {
    const breaker = handler.breaker;
    if (breaker !== undefined && !breaker.tryPass()) return this.circuitOpen(handler, delivery, breaker);
    if (handler.idempotencyKey === undefined) return this.limited(handler, delivery, context, undefined);
    const key = `${handler.id}:${handler.idempotencyKey(handler.payloadOf(delivery.envelope.payload), context)}`;
    const claim = this.store.claim(key, this.idempotency.claimTtlMs);
    if (claim instanceof Promise) return claim.then((result) => this.claimed(result, key, handler, delivery, context));
    return this.claimed(claim, key, handler, delivery, context);
  }

  /** Dead-letters a message that expired while queued; a waiting requester gets `TIMEOUT`. */
  expire(delivery: Delivery): Pending {
    const deadline = new Date(delivery.envelope.deadline as number).toISOString();
    return this.giveUp(delivery, 'EXPIRED', 'TIMEOUT', new Error(`Expired before it was handled (deadline ${deadline})`));
  }

  /** A message its group has no handler for (any more): a command is dead-lettered, a query answered. */
  unhandled(delivery: Delivery): Pending {
    const { kind, topic } = delivery.envelope;
    if (kind === 'event') return undefined;
    const error = new Error(`No ${kind} handler for "${topic}" in group ${delivery.group}`);
    if (kind === 'query') return this.effects.reply(delivery.envelope, failure('NO_HANDLER', error.message)) ?? undefined;
    return this.giveUp(delivery, 'REJECTED', 'NO_HANDLER', error);
  }

  private claimed(result: ClaimResult, key: string, handler: RegisteredHandler, delivery: Delivery, context: BusMessageContext): Pending {
    if (result === 'claimed') return this.limited(handler, delivery, context, key);
    handler.breaker?.released();
    if (result === 'done') {
      this.counters.duplicates += 1;
      this.metrics?.duplicate(handler, delivery.envelope);
      return undefined;
    }
    // Another delivery of this message is running somewhere: look again once its claim could have expired.
    return this.retarget(handler, delivery, this.idempotency.claimTtlMs);
  }

  private limited(handler: RegisteredHandler, delivery: Delivery, context: BusMessageContext, key: string | undefined): Pending {
    const limiter = handler.limiter;
    if (limiter === undefined) return this.attempt(handler, delivery, context, key);
    const release = (): void => limiter.release();
    if (limiter.tryAcquire()) return andFinally(this.attempt(handler, delivery, context, key), release);
    return limiter.acquire().then(() => andFinally(this.attempt(handler, delivery, context, key), release));
  }

  private attempt(handler: RegisteredHandler, delivery: Delivery, context: BusMessageContext, key: string | undefined): Pending {
    if (handler.batch !== undefined) return this.batchOf(handler, handler.batch).add(delivery, context);
    let result: unknown;
    try {
      const payload = handler.payloadOf(delivery.envelope.payload);
      result =
        key === undefined
          ? this.invoke(handler, delivery.envelope, payload, context)
          : idempotencyScope.run(key, () => this.invoke(handler, delivery.envelope, payload, context));
    } catch (error) {
      return this.failed(handler, delivery, error, key);
    }
    if (!isPromiseLike(result)) return this.succeeded(handler, delivery, result, key);
    return settle(result, handler).then(
      (value) => this.succeeded(handler, delivery, value, key),
      (error: unknown) => this.failed(handler, delivery, error, key),
    );
  }

  private invoke(handler: RegisteredHandler, envelope: Envelope, payload: unknown, context: BusMessageContext): unknown {
    return this.metrics === undefined && this.tracer === undefined
      ? messageScope.run(context, handler.invoke, payload, context)
      : this.instrumented(handler, envelope, () => messageScope.run(context, handler.invoke, payload, context));
  }

  /** Runs a handler attempt timed by the metrics, inside the tracer's span. */
  private instrumented(handler: RegisteredHandler, envelope: Envelope, run: () => unknown): unknown {
    const metrics = this.metrics;
    // Metrics alone (the default) time the run directly, without a wrapping closure.
    if (this.tracer === undefined) return metrics === undefined ? run() : metrics.time(handler, envelope, run);
    const timed = metrics === undefined ? run : () => metrics.time(handler, envelope, run);
    return this.tracer.around(handler, envelope, timed);
  }

  private batchOf(handler: RegisteredHandler, batching: Batching): BatchBuffer {
    let buffer = this.batches.get(handler);
    if (buffer === undefined) {
      buffer = new BatchBuffer(batching, (items) => this.runBatch(handler, batching, items));
      this.batches.set(handler, buffer);
    }
    return buffer;
  }

  // A failed batch is split: each message is retried (or dead-lettered) on its own.
  private async runBatch(handler: RegisteredHandler, batching: Batching, items: BatchItem[]): Promise<void> {
    const payloads = items.map((item) => handler.payloadOf(item.delivery.envelope.payload));
    const contexts: MessageContext[] = items.map((item) => item.context);
    try {
      // Follow-ups of a batch belong to no single message: they start their own conversations.
      const result = this.instrumented(handler, items[0].delivery.envelope, () => messageScope.exit(() => batching.invoke(payloads, contexts)));
      if (isPromiseLike(result)) await settle(result, handler);
    } catch (error) {
      for (const item of items) await this.failed(handler, item.delivery, error, undefined);
      return;
    }
    for (const item of items) await this.succeeded(handler, item.delivery, undefined, undefined);
  }

  private succeeded(handler: RegisteredHandler, delivery: Delivery, value: unknown, key: string | undefined): Pending {
    this.counters.delivered += 1;
    this.metrics?.handled(handler, delivery.envelope);
    handler.breaker?.succeeded();
    const committed = key === undefined ? undefined : this.store.commit(key, this.idempotency.windowMs);
    const envelope = delivery.envelope;
    if (envelope.replyTo === undefined || envelope.kind === 'event') return committed ?? undefined;
    return andThen(committed ?? undefined, () => this.effects.reply(envelope, { ok: true, data: value }));
  }

  private failed(handler: RegisteredHandler, delivery: Delivery, thrown: unknown, key: string | undefined): Pending {
    const error = toError(thrown);
    const envelope = delivery.envelope;
    const verdict = classify(error, envelope.kind);
    const released = key === undefined ? undefined : this.store.release(key);
    if (verdict.reason === undefined) {
      handler.breaker?.released();
      this.counters.filtered += 1;
      this.metrics?.filtered(handler, envelope);
      return released ?? undefined;
    }
    if (verdict.retry) handler.breaker?.failed();
    else handler.breaker?.released();
    this.counters.failed += 1;
    this.metrics?.failed(handler, envelope);
    const maxAttempts = handler.maxAttempts ?? envelope.maxAttempts;
    this.logFailure?.(
      `${handler.id} failed on ${envelope.topic} (id=${envelope.id} correlationId=${envelope.correlationId} ` +
        `attempt ${envelope.attempt}/${maxAttempts}): ${error.message}`,
    );
    return andThen(released ?? undefined, () => {
      if (envelope.kind === 'query') return this.effects.reply(envelope, failureOf(verdict.code, error));
      if (verdict.retry && envelope.attempt < maxAttempts) {
        this.counters.retried += 1;
        this.metrics?.retried(handler, envelope);
        const retry: Envelope = {
          ...envelope,
          attempt: envelope.attempt + 1,
          maxAttempts,
          headers: { ...envelope.headers, [BusHeaders.targetHandler]: handler.id },
        };
        return this.effects.schedule(delivery.group, retry, retryDelay(handler.retry, envelope.attempt));
      }
      return this.giveUp(delivery, verdict.reason as DeadLetterReason, verdict.code, error, handler);
    });
  }

  private circuitOpen(handler: RegisteredHandler, delivery: Delivery, breaker: CircuitBreaker): Pending {
    const envelope = delivery.envelope;
    if (envelope.replyTo !== undefined && envelope.kind !== 'event') {
      return this.effects.reply(envelope, failure('CIRCUIT_OPEN', `The circuit of ${handler.id} is open`)) ?? undefined;
    }
    return this.retarget(handler, delivery, Math.max(1, breaker.retryInMs()));
  }

  /** Delivers the message to this handler alone again later, its attempt not consumed. */
  private retarget(handler: RegisteredHandler, delivery: Delivery, delayMs: number): Pending {
    const envelope = delivery.envelope;
    const again: Envelope = { ...envelope, headers: { ...envelope.headers, [BusHeaders.targetHandler]: handler.id } };
    return this.effects.schedule(delivery.group, again, delayMs) ?? undefined;
  }

  /** Dead-letters the message and tells a waiting `execute` why it failed. */
  private giveUp(delivery: Delivery, reason: DeadLetterReason, code: BusErrorCode, error: Error, handler?: RegisteredHandler): Pending {
    const envelope = delivery.envelope;
    this.counters.deadLettered += 1;
    this.metrics?.deadLettered(envelope, reason, handler);
    const stored = this.effects.deadLetter({
      envelope,
      reason,
      error: { message: error.message, code: (error as { code?: string }).code },
      handler: handler?.id,
      group: delivery.group,
    }, delivery);
    if (envelope.replyTo === undefined || envelope.kind === 'event') return stored ?? undefined;
    return andThen(stored ?? undefined, () => this.effects.reply(envelope, failureOf(code, error)));
  }
}

function failureOf(code: BusErrorCode, error: Error): QueryResult<never> {
  return failure(code, error.message, error instanceof MessageBusError ? error.details : undefined);
}

/** What a failure means for the message, by the stable code of the bus error that caused it. */
function classify(error: Error, kind: Envelope['kind']): Verdict {
  const verdict = error instanceof MessageBusError ? (VERDICTS[error.code] ?? RETRY) : RETRY;
  // A refused event is filtered out, not a failure worth keeping.
  return kind === 'event' && verdict.code === 'FORBIDDEN' ? { ...verdict, reason: undefined } : verdict;
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** The handler's result as a native promise, failing past the handler's `timeoutMs`. */
function settle(result: PromiseLike<unknown>, handler: RegisteredHandler): Promise<unknown> {
  const timeoutMs = handler.timeoutMs;
  if (timeoutMs === undefined) return result instanceof Promise ? result : Promise.resolve(result);
  return withinTimeout(result, timeoutMs, () => new HandlerTimeoutError(`${handler.id} did not finish within ${timeoutMs} ms`));
}

/** Runs `next` after `first`, staying synchronous when `first` is. */
export function andThen(first: Pending, next: () => unknown): Pending {
  if (first === undefined) {
    const result = next();
    return result instanceof Promise ? result : undefined;
  }
  return first.then(next);
}

/** Runs `last` once `work` settles, either way, staying synchronous when `work` is. */
function andFinally(work: Pending, last: () => void): Pending {
  if (work !== undefined) return work.finally(last);
  last();
  return undefined;
}
