import type { Probe } from './probe.js';

/** Where a peer may put its broker state: unique per run and job (a key prefix, an exchange name). */
export interface PeerContext {
  namespace: string;
}

/**
 * How the measured event handler is declared. Anything but `plain` exists on nestjs-message-bus
 * only: one trivial interceptor, `batch: { size: 100, waitMs: 5 }`, a circuit breaker, or
 * `delivery: 'realtime'` (events then published `realtime`).
 */
export type EventHandlerVariant = 'plain' | 'intercepted' | 'batched' | 'breaker' | 'realtime';

/** The handlers an event scenario needs in the application. */
export interface EventWorkload {
  /** Handlers of the published events (each its own provider). */
  handlers: number;
  /** Further handlers of other events or patterns, which must never be called. */
  noise: number;
  /** `fixed`: every event on `EVENT_TOPIC`; `distinct`: a new topic per event, `itemTopic(seq)`. */
  topics: 'fixed' | 'distinct';
  variant: EventHandlerVariant;
}

/** One command handler for one-way sends; `idempotent: true` exists on nestjs-message-bus only. */
export interface SendWorkload {
  idempotent: boolean;
}

/** What a publisher meets when the bus's local queue is full (nestjs-message-bus's strategies). */
export type Backpressure = 'block' | 'reject-new' | 'drop-oldest' | 'adaptive';

/** A slow event handler behind a small queue: concurrency 10, maxQueueSize 10,000. */
export interface FloodWorkload {
  backpressure: Backpressure;
}

/** One-way messages: events or sent commands. */
export interface EventDriver {
  /**
   * Publishes message `seq` the way an application would and does not wait for its handling.
   * Returns what the library returns: the promise of its acceptance (a broker's confirm), if any.
   */
  publish(seq: number): Promise<unknown> | void;
  /** Counts handler calls. */
  readonly probe: Probe;
}

/** A command or query round trip: send `seq`, get the handler's answer back. */
export interface RoundTrip {
  call(seq: number): Promise<unknown>;
  /** True when `result` is the successful answer to `seq` (checked on every call). */
  verify(result: unknown, seq: number): boolean;
}

/** Publishing into a slow handler until the queue pushes back. */
export interface FloodDriver {
  publish(seq: number): Promise<void>;
  readonly probe: Probe;
  /** Messages the bus discarded (`drop-oldest`). */
  dropped(): number;
}

/** How a committed message reaches the bus: a row of the outbox, or `bus.publish` after the commit. */
export type OutboxVia = 'outbox' | 'direct';

/** Transactions on PostgreSQL, each followed by one event, and when each event was handled. */
export interface OutboxDriver {
  /** Commits one transaction carrying event `seq` the `via` way; resolves the commit's `now()`. */
  write(seq: number, via: OutboxVia): Promise<bigint>;
  /** Commits one transaction with events `first`..`first + count - 1` in the outbox; resolves the commit's `now()`. */
  writeMany(first: number, count: number): Promise<bigint>;
  /** `now()` when the handler got event `seq`. */
  readonly handledAt: Map<number, bigint>;
}

/** A booted application (or raw client setup) and the way to drive it. */
export interface Harness<D> {
  readonly driver: D;
  close(): Promise<void>;
}

/**
 * One library on one transport (or a raw client). Each method boots a fresh application
 * context (or client set) holding the handlers of one workload; a peer leaves out what it
 * cannot do.
 */
export interface Peer {
  /** Events published to `EVENT_TOPIC` (or `itemTopic(seq)`). */
  events?(workload: EventWorkload): Promise<Harness<EventDriver>>;
  /** Commands sent one way (`send`) to `SEND_TOPIC`. */
  sends?(workload: SendWorkload): Promise<Harness<EventDriver>>;
  /** Commands executed (`execute`): the handler's answer comes back. */
  commands?(): Promise<Harness<RoundTrip>>;
  /** Queries (`request`). */
  queries?(): Promise<Harness<RoundTrip>>;
  flood?(workload: FloodWorkload): Promise<Harness<FloodDriver>>;
  /** Events through a transactional outbox on PostgreSQL and its relay, or published directly. */
  outbox?(): Promise<Harness<OutboxDriver>>;
}

/**
 * Throws unless `workload` asks only for what a peer without topics or handler options can do:
 * fixed topics and plain handlers; `single`: also exactly one handler and no others.
 */
export function requireSimpleEvents(workload: EventWorkload, who: string, single: boolean): void {
  const { handlers, noise, topics, variant } = workload;
  if (topics !== 'fixed' || variant !== 'plain' || (single && (handlers !== 1 || noise !== 0))) {
    throw new Error(`${who} has no counterpart of ${JSON.stringify(workload)}`);
  }
}
