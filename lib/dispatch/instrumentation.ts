import type { DeadLetterReason } from '../messages/dead-letter.js';
import type { Envelope } from '../messages/envelope.js';
import type { RegisteredHandler } from './handler.js';

/** Something that happened to a message, for metrics. */
export type MessageOutcome =
  | { type: 'published'; envelope: Envelope; routed: number }
  | { type: 'handled'; envelope: Envelope; handler: RegisteredHandler }
  | { type: 'failed'; envelope: Envelope; handler: RegisteredHandler }
  | { type: 'retried'; envelope: Envelope; handler: RegisteredHandler }
  | { type: 'dead-lettered'; envelope: Envelope; handler?: RegisteredHandler; reason: DeadLetterReason }
  | { type: 'dropped'; envelope: Envelope }
  | { type: 'filtered'; envelope: Envelope; handler: RegisteredHandler }
  | { type: 'duplicate'; envelope: Envelope; handler: RegisteredHandler };

/**
 * Hooks for metrics and tracing. The bus calls them only when one is installed, so without
 * instrumentation the hot path pays nothing.
 */
export interface BusInstrumentation {
  /** An envelope about to be published; may add headers (trace context). */
  publishing(envelope: Envelope): void;
  /** Runs one handler attempt: must call `run` once and return what it returns. */
  around(handler: RegisteredHandler, envelope: Envelope, run: () => unknown): unknown;
  record(outcome: MessageOutcome): void;
}
