import type { CircuitState } from './circuit-breaker.js';

/**
 * Counters since start plus current gauges. Cheap: plain numbers, no I/O.
 * @publicApi
 */
export interface BusStats {
  /** Messages accepted by publish, send, execute and request. */
  published: number;
  /** Handler runs that completed. */
  delivered: number;
  /** Handler runs that threw (or timed out). */
  failed: number;
  /** Retries scheduled. */
  retried: number;
  /** Dead letters written. */
  deadLettered: number;
  /** Dead letters that could not be stored (the store failed, even with the raw bytes): their messages were left to the broker. */
  deadLetterFailures: number;
  /** Messages discarded: dead letters evicted by `maxSize`/`ttlMs`, events dropped by `drop-oldest`. */
  dropped: number;
  /** Events published while no group was bound to their topic. */
  unrouted: number;
  /** Event handler runs skipped because a guard refused the message. */
  filtered: number;
  /** Redelivered messages an idempotent handler had handled already (acked without running). */
  duplicates: number;
  /**
   * Acks and rejects dropped because the channel the message came on had closed (RabbitMQ): the
   * broker requeued the message, so it comes again, and an ack on the new channel would close it.
   */
  staleAcks: number;
  /** Messages being handled now. */
  inFlight: number;
  /** Messages waiting in this instance's queue. */
  queued: number;
  /** State of every handler that has a circuit breaker, by handler id. */
  circuits: Record<string, CircuitState>;
}

/** The counting part of {@link BusStats}, incremented in place on the hot path. */
export class BusCounters {
  published = 0;
  delivered = 0;
  failed = 0;
  retried = 0;
  deadLettered = 0;
  deadLetterFailures = 0;
  dropped = 0;
  unrouted = 0;
  filtered = 0;
  duplicates = 0;
  staleAcks = 0;
}
