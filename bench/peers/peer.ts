import type { Probe } from './probe.js';

/** The handlers an event scenario needs in the application. */
export interface EventWorkload {
  /** Handlers of the published events (each its own provider). */
  handlers: number;
  /** Further handlers of other events or patterns, which must never be called. */
  noise: number;
  /** `fixed`: every event on `EVENT_TOPIC`; `distinct`: a new topic per event, `itemTopic(seq)`. */
  topics: 'fixed' | 'distinct';
}

export interface EventDriver {
  /** Publishes event `seq` the way an application would; does not wait for its handling. */
  publish(seq: number): void;
  /** Counts handler calls. */
  readonly probe: Probe;
}

/** A command or query round trip: send `seq`, get the handler's answer back. */
export interface RoundTrip {
  call(seq: number): Promise<unknown>;
  /** True when `result` is the successful answer to `seq` (checked on every call). */
  verify(result: unknown, seq: number): boolean;
}

/** A booted Nest application context and the way to drive it. */
export interface Harness<D> {
  readonly driver: D;
  close(): Promise<void>;
}

/**
 * One library on one transport (or a raw client). Each method boots a fresh application
 * context holding the handlers of one workload; a peer leaves out what it cannot do.
 */
export interface Peer {
  events?(workload: EventWorkload): Promise<Harness<EventDriver>>;
  commands?(): Promise<Harness<RoundTrip>>;
  queries?(): Promise<Harness<RoundTrip>>;
}
