import type { Envelope } from '../messages/envelope.js';
import { OverloadedError, toError } from '../messages/errors.js';
import { quoted } from '../messages/inbound.js';
import type { BusLogger, Delivery } from '../transports/contract/transport.js';
import type { BusCounters } from './bus-stats.js';
import type { BackpressureStrategy } from './engine-options.js';
import type { RegisteredHandler } from './handler.js';
import { andThen, type HandlerExecutor, type Pending } from './handler-executor.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { MessageMetrics } from './instrumentation.js';
import type { BusMessageContext } from './message-context.js';
import { messageScope } from './message-scope.js';
import { Fifo } from '../primitives/fifo.js';
import { PriorityBucketQueue } from './priority-queue.js';


export interface DispatcherOptions {
  concurrency: number;
  maxQueueSize: number;
  backpressure: BackpressureStrategy;
  logger: BusLogger;
}

// Work done in one go before yielding to I/O, so a flood of synchronous handlers cannot starve
// timers and sockets.
const DRAIN_BATCH = 1024;
// `adaptive`: the longest a publisher is held per admission once the queue is more than half full.
const ADAPTIVE_MAX_WAIT_MS = 20;

const isEvent = (delivery: Delivery): boolean => delivery.envelope.kind === 'event';

/**
 * Runs deliveries: a local queue served lowest priority number first, at most `concurrency`
 * messages at once; for each message the matching handlers of its group in handler-priority
 * order, each isolated; then the ack. Backpressure applies when the queue is full.
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

  /** Set when metrics are installed. */
  metrics?: MessageMetrics;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly executor: HandlerExecutor,
    private readonly contextFor: (envelope: Envelope) => BusMessageContext,
    private readonly counters: BusCounters,
    private readonly options: DispatcherOptions,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.size + this.blocked.length;
  }

  /**
   * Takes a delivery into the queue, applying backpressure to publishers outside handlers. A
   * handler publishing follow-ups is never held back: it may hold the very slot that would make room.
   */
  readonly accept = (delivery: Delivery): void | Promise<void> => {
    const { maxQueueSize, backpressure } = this.options;
    const size = this.queue.size;
    if (backpressure === 'adaptive' && size >= maxQueueSize / 2 && size < maxQueueSize && !inHandler()) {
      // Admission slows down linearly from half full to full; a full queue blocks.
      const waitMs = Math.ceil((ADAPTIVE_MAX_WAIT_MS * (size - maxQueueSize / 2)) / (maxQueueSize / 2));
      return new Promise<void>((resolve) => setTimeout(resolve, waitMs)).then(() => this.admitOrWait(delivery));
    }
    if (size < maxQueueSize || inHandler()) return this.enqueue(delivery);
    if (backpressure === 'reject-new') {
      throw new OverloadedError(`Queue full (${maxQueueSize}): ${delivery.envelope.topic} refused`);
    }
    if (backpressure === 'drop-oldest') {
      const incomingEvent = isEvent(delivery);
      const victim = this.queue.removeLeastUrgent(isEvent, incomingEvent ? delivery.envelope.priority : 0);
      if (victim !== undefined) {
        this.drop(victim);
        return this.enqueue(delivery);
      }
      if (incomingEvent) return this.drop(delivery);
    }
    return this.waitForRoom(delivery);
  };

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private admitOrWait(delivery: Delivery): void | Promise<void> {
    return this.queue.size < this.options.maxQueueSize ? this.enqueue(delivery) : this.waitForRoom(delivery);
  }

  private waitForRoom(delivery: Delivery): Promise<void> {
    return new Promise((admitted) => this.blocked.push({ delivery, admitted }));
  }

  private enqueue(delivery: Delivery): void {
    this.queue.push(delivery, delivery.envelope.priority);
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(this.drainNow);
    }
  }

  /** Discards an event under `drop-oldest`: counted, and acked so a broker does not redeliver it. */
  private drop(delivery: Delivery): void {
    this.counters.dropped += 1;
    this.metrics?.dropped(delivery.envelope);
    const acked = delivery.ack();
    if (acked instanceof Promise) {
      const { topic, id, correlationId } = delivery.envelope;
      acked.catch((error: unknown) =>
        this.options.logger.warn(`Ack of dropped ${topic} (id=${id} correlationId=${correlationId}) failed: ${toError(error).message}`),
      );
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
      else pending.then(this.finishOne, (error: unknown) => this.dispatchFailed(delivery, error));
    }
    if (this.isIdle()) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  /**
   * Settling the message failed (its retry or reply could not be published, a store refused):
   * the broker gets it back rather than it staying held for good. RabbitMQ moves it to the
   * queue's dead letters; Redis redelivers it after the visibility timeout, as another attempt.
   */
  private dispatchFailed(delivery: Delivery, thrown: unknown): void {
    const error = toError(thrown);
    const { topic, id } = delivery.envelope;
    this.options.logger.error(`Dispatch of ${quoted(topic)} (id=${quoted(id)}) failed: ${error.message}; released to the broker`, error.stack);
    if (delivery.release !== undefined) delivery.release();
    else void Promise.resolve(delivery.ack()).catch(() => undefined);
    this.finishOne();
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
    if (envelope.deadline !== undefined && envelope.deadline <= Date.now()) {
      return andThen(this.executor.expire(delivery), () => delivery.ack());
    }
    const handlers = this.registry.handlersFor(delivery.group, envelope);
    if (handlers.length === 0) return andThen(this.executor.unhandled(delivery), () => delivery.ack());
    return this.runFrom(delivery, handlers, 0, this.contextFor(envelope));
  }

  private runFrom(delivery: Delivery, handlers: readonly RegisteredHandler[], start: number, context: BusMessageContext): Pending {
    const last = handlers.length - 1;
    for (let i = start; i <= last; i++) {
      const pending = this.executor.run(handlers[i], delivery, context);
      if (pending !== undefined) {
        return i === last
          ? pending.then(() => finish(delivery, context))
          : pending.then(() => this.runFrom(delivery, handlers, i + 1, context));
      }
    }
    return finish(delivery, context) ?? undefined;
  }
}

function inHandler(): boolean {
  return messageScope.getStore() !== undefined;
}

function finish(delivery: Delivery, context: BusMessageContext): void | Promise<void> {
  context.settle();
  return delivery.ack();
}
