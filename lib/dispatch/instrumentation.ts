import type { DeadLetterReason } from '../messages/dead-letter.js';
import type { Envelope } from '../messages/envelope.js';
import type { RegisteredHandler } from './handler.js';

/** Trace context across messages. */
export interface MessageTracer {
  /** An envelope about to be published: the trace context goes into its headers. */
  publishing(envelope: Envelope): void;
  /** Runs one handler attempt in a span: must call `run` once and return what it returns. */
  around(handler: RegisteredHandler, envelope: Envelope, run: () => unknown): unknown;
}

/** Counts and timings, one method per event so that nothing is allocated to report one. */
export interface MessageMetrics {
  /** Times one handler attempt: must call `run` once and return what it returns. */
  time(handler: RegisteredHandler, envelope: Envelope, run: () => unknown): unknown;
  published(envelope: Envelope, routed: number): void;
  handled(handler: RegisteredHandler, envelope: Envelope): void;
  failed(handler: RegisteredHandler, envelope: Envelope): void;
  retried(handler: RegisteredHandler, envelope: Envelope): void;
  filtered(handler: RegisteredHandler, envelope: Envelope): void;
  duplicate(handler: RegisteredHandler, envelope: Envelope): void;
  deadLettered(envelope: Envelope, reason: DeadLetterReason, handler?: RegisteredHandler): void;
  dropped(envelope: Envelope): void;
}

/** What is installed; the bus checks for each, so without either the hot path pays nothing. */
export interface Instrumentation {
  tracer?: MessageTracer;
  metrics?: MessageMetrics;
}
