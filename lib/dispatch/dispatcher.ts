import type { DeadLetter, DeadLetterReason } from '../messages/dead-letter.js';
import { BusHeaders, type Envelope } from '../messages/envelope.js';
import {
  HandlerTimeoutError,
  MessageBusError,
  OverloadedError,
  toError,
  type BusErrorCode,
} from '../messages/errors.js';
import { failure, type QueryResult } from '../messages/results.js';
import type { BusLogger, Delivery } from '../transports/transport.interface.js';
import type { BusCounters } from './bus-stats.js';
import type { RegisteredHandler } from './handler.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { BusMessageContext } from './message-context.js';
import { messageScope } from './message-scope.js';
import { Fifo, PriorityBucketQueue } from './priority-queue.js';
import { retryDelay } from './retry-policy.js';

/** What the dispatcher asks of the bus around it: contexts, and the transport's settle operations. */
export interface DispatchEffects {
  contextFor(envelope: Envelope): BusMessageContext;
  schedule(group: string, envelope: Envelope, delayMs: number): void | Promise<void>;
  deadLetter(letter: Omit<DeadLetter, 'id' | 'deadLetteredAt'>): void | Promise<void>;
  reply(request: Envelope, result: QueryResult<unknown>): void | Promise<void>;
}

export type BackpressureStrategy = 'block' | 'reject-new';

export interface DispatcherOptions {
  concurrency: number;
  maxQueueSize: number;
  backpressure: BackpressureStrategy;
  logger: BusLogger;
}

type Pending = Promise<unknown> | undefined;

// Work done in one go before yielding to I/O, so a flood of synchronous handlers cannot starve
// timers and sockets.
const DRAIN_BATCH = 1024;

/**
 * Runs deliveries: a local queue served lowest priority number first, at most `concurrency`
 * messages at once; for each message the matching handlers of its group in handler-priority
 * order, each isolated (a failure retries or dead-letters that handler alone); then the ack.
 */
export class Dispatcher {
  private readonly queue = new PriorityBucketQueue<Delivery>();
  private readonly blocked = new Fifo<{ delivery: Delivery; admitted: () => void }>();
  private readonly idleWaiters: (() => void)[] = [];
  private running = 0;
  private drainScheduled = false;
  private readonly drainNow = (): void => this.drain();
  private readonly finishOne = (): void => {
    this.running -= 1;
    this.drain();
  };
  private readonly finishOneWithError = (error: unknown): void => {
    this.options.logger.error(`Dispatch failed: ${toError(error).message}`, toError(error).stack);
    this.finishOne();
  };

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly counters: BusCounters,
    private readonly effects: DispatchEffects,
    private readonly options: DispatcherOptions,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.size + this.blocked.length;
  }

  /**
   * Takes a delivery into the queue. When the queue is full a publisher outside any handler
   * waits (`block`) or is refused (`reject-new`); a handler publishing follow-ups is never held
   * back, since it may hold the very slot that would make room.
   */
  readonly accept = (delivery: Delivery): void | Promise<void> => {
    if (this.queue.size >= this.options.maxQueueSize && messageScope.getStore() === undefined) {
      if (this.options.backpressure === 'reject-new') {
        throw new OverloadedError(`Queue full (${this.options.maxQueueSize}): ${delivery.envelope.topic} refused`);
      }
      return new Promise((admitted) => this.blocked.push({ delivery, admitted }));
    }
    this.enqueue(delivery);
  };

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(delivery: Delivery): void {
    this.queue.push(delivery, delivery.envelope.priority);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(this.drainNow);
    }
  }

  private drain(): void {
    this.drainScheduled = false;
    let budget = DRAIN_BATCH;
    while (this.running < this.options.concurrency && this.queue.size > 0) {
      if (budget-- === 0) {
        this.drainScheduled = true;
        setImmediate(this.drainNow);
        return;
      }
      const delivery = this.queue.pop() as Delivery;
      this.admitBlocked();
      this.running += 1;
      const pending = this.process(delivery);
      if (pending === undefined) this.running -= 1;
      else pending.then(this.finishOne, this.finishOneWithError);
    }
    if (this.isIdle()) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private admitBlocked(): void {
    while (this.blocked.length > 0 && this.queue.size < this.options.maxQueueSize) {
      const { delivery, admitted } = this.blocked.shift() as { delivery: Delivery; admitted: () => void };
      this.queue.push(delivery, delivery.envelope.priority);
      admitted();
    }
  }

  private isIdle(): boolean {
    return this.running === 0 && this.queue.size === 0 && this.blocked.length === 0;
  }

  private process(delivery: Delivery): Pending {
    const envelope = delivery.envelope;
    if (envelope.deadline !== undefined && envelope.deadline <= Date.now()) return this.expire(delivery);
    const handlers = this.registry.handlersFor(delivery.group, envelope);
    if (handlers.length === 0) return this.unhandled(delivery);
    return this.runFrom(delivery, handlers, 0, this.effects.contextFor(envelope));
  }

  private runFrom(
    delivery: Delivery,
    handlers: readonly RegisteredHandler[],
    start: number,
    context: BusMessageContext,
  ): Pending {
    const last = handlers.length - 1;
    for (let i = start; i <= last; i++) {
      const pending = this.run(handlers[i], delivery, context);
      if (pending !== undefined) {
        return i === last
          ? pending.then(() => finish(delivery, context))
          : pending.then(() => this.runFrom(delivery, handlers, i + 1, context));
      }
    }
    return finish(delivery, context) ?? undefined;
  }

  private run(handler: RegisteredHandler, delivery: Delivery, context: BusMessageContext): Pending {
    const limiter = handler.limiter;
    if (limiter === undefined) return this.invoke(handler, delivery, context);
    const release = (): void => limiter.release();
    if (limiter.tryAcquire()) return andFinally(this.invoke(handler, delivery, context), release);
    return limiter.acquire().then(() => andFinally(this.invoke(handler, delivery, context), release));
  }

  private invoke(handler: RegisteredHandler, delivery: Delivery, context: BusMessageContext): Pending {
    let result: unknown;
    try {
      result = messageScope.run(context, handler.invoke, handler.payloadOf(delivery.envelope.payload), context);
    } catch (error) {
      return this.failed(handler, delivery, error);
    }
    if (!isPromiseLike(result)) return this.succeeded(delivery, result);
    let settled: Promise<unknown>;
    if (handler.timeoutMs !== undefined) settled = withTimeout(result, handler.timeoutMs, handler.id);
    else settled = result instanceof Promise ? result : Promise.resolve(result);
    return settled.then(
      (value) => this.succeeded(delivery, value),
      (error: unknown) => this.failed(handler, delivery, error),
    );
  }

  private succeeded(delivery: Delivery, value: unknown): Pending {
    this.counters.delivered += 1;
    const envelope = delivery.envelope;
    if (envelope.replyTo === undefined || envelope.kind === 'event') return undefined;
    return this.effects.reply(envelope, { ok: true, data: value }) ?? undefined;
  }

  private failed(handler: RegisteredHandler, delivery: Delivery, thrown: unknown): Pending {
    const error = toError(thrown);
    const envelope = delivery.envelope;
    const verdict = classify(error, envelope.kind);
    if (verdict.reason === undefined) {
      this.counters.filtered += 1;
      return undefined;
    }
    this.counters.failed += 1;
    const maxAttempts = handler.maxAttempts ?? envelope.maxAttempts;
    this.options.logger.warn(
      `${handler.id} failed on ${envelope.topic} (id=${envelope.id} correlationId=${envelope.correlationId} ` +
        `attempt ${envelope.attempt}/${maxAttempts}): ${error.message}`,
    );
    if (envelope.kind === 'query') return this.effects.reply(envelope, failure(verdict.code, error.message)) ?? undefined;
    if (verdict.retry && envelope.attempt < maxAttempts) {
      this.counters.retried += 1;
      const retry: Envelope = {
        ...envelope,
        attempt: envelope.attempt + 1,
        maxAttempts,
        headers: { ...envelope.headers, [BusHeaders.targetHandler]: handler.id },
      };
      return this.effects.schedule(delivery.group, retry, retryDelay(handler.retry, envelope.attempt)) ?? undefined;
    }
    return this.giveUp(delivery, verdict.reason, verdict.code, error, handler.id);
  }

  private expire(delivery: Delivery): Pending {
    const error = new Error(`Expired before it was handled (deadline ${new Date(delivery.envelope.deadline as number).toISOString()})`);
    return andThen(this.giveUp(delivery, 'EXPIRED', 'TIMEOUT', error), () => delivery.ack());
  }

  private unhandled(delivery: Delivery): Pending {
    const { kind, topic } = delivery.envelope;
    if (kind === 'event') return delivery.ack() ?? undefined;
    const error = new Error(`No ${kind} handler for "${topic}" in group ${delivery.group}`);
    const settled =
      kind === 'query'
        ? this.effects.reply(delivery.envelope, failure('NO_HANDLER', error.message))
        : this.giveUp(delivery, 'REJECTED', 'NO_HANDLER', error);
    return andThen(settled ?? undefined, () => delivery.ack());
  }

  /** Dead-letters the message and tells a waiting `execute` why it failed. */
  private giveUp(delivery: Delivery, reason: DeadLetterReason, code: BusErrorCode, error: Error, handler?: string): Pending {
    const envelope = delivery.envelope;
    this.counters.deadLettered += 1;
    const stored = this.effects.deadLetter({
      envelope,
      reason,
      error: { message: error.message, code: (error as { code?: string }).code },
      handler,
      group: delivery.group,
    });
    if (envelope.replyTo === undefined || envelope.kind === 'event') return stored ?? undefined;
    return andThen(stored ?? undefined, () => this.effects.reply(envelope, failure(code, error.message)));
  }
}

interface Verdict {
  retry: boolean;
  /** Where the message goes when it is not retried; none for a skipped event. */
  reason?: DeadLetterReason;
  code: BusErrorCode;
}

const RETRY: Verdict = { retry: true, reason: 'ATTEMPTS_EXHAUSTED', code: 'HANDLER_ERROR' };
const VERDICTS: Record<string, Verdict> = {
  UNRECOVERABLE: { retry: false, reason: 'UNRECOVERABLE', code: 'HANDLER_ERROR' },
  FORBIDDEN: { retry: false, reason: 'REJECTED', code: 'FORBIDDEN' },
  VALIDATION: { retry: false, reason: 'VALIDATION', code: 'VALIDATION' },
};

/** What a failure means for the message, by the stable code of the bus error that caused it. */
function classify(error: Error, kind: Envelope['kind']): Verdict {
  const verdict = error instanceof MessageBusError ? (VERDICTS[error.code] ?? RETRY) : RETRY;
  // A refused event is filtered out, not a failure worth keeping.
  return kind === 'event' && verdict.code === 'FORBIDDEN' ? { ...verdict, reason: undefined } : verdict;
}

function finish(delivery: Delivery, context: BusMessageContext): void | Promise<void> {
  context.settle();
  return delivery.ack();
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Runs `next` after `first`, staying synchronous when `first` is. */
function andThen(first: Pending, next: () => void | Promise<unknown>): Pending {
  if (first === undefined) return next() ?? undefined;
  return first.then(next);
}

/** Runs `last` once `work` settles, either way, staying synchronous when `work` is. */
function andFinally(work: Pending, last: () => void): Pending {
  if (work !== undefined) return work.finally(last);
  last();
  return undefined;
}

function withTimeout<T>(work: PromiseLike<T>, timeoutMs: number, handlerId: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new HandlerTimeoutError(`${handlerId} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
