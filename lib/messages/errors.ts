/**
 * Codes a requester can receive in a failed {@link QueryResult} or {@link CommandResult}.
 * @publicApi
 */
export type BusErrorCode =
  | 'TIMEOUT'
  | 'NO_HANDLER'
  | 'HANDLER_ERROR'
  | 'VALIDATION'
  | 'FORBIDDEN'
  | 'CIRCUIT_OPEN'
  | 'OVERLOADED';

/**
 * Base class of every error the bus throws or rejects with. `code` is stable across releases:
 * match on it, not on the message.
 * @publicApi
 */
export abstract class MessageBusError extends Error {
  abstract readonly code: string;
  /** What a failed request's requester receives besides the message, as `error.details` (JSON). */
  readonly details?: unknown;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A published topic is not words of `[A-Za-z0-9_:-]` joined by `.`, 1..255 chars. @publicApi */
export class InvalidTopicError extends MessageBusError {
  readonly code = 'INVALID_TOPIC';
}

/** A handler pattern is not a valid topic pattern (`*` one word, `#` zero or more). @publicApi */
export class InvalidPatternError extends MessageBusError {
  readonly code = 'INVALID_PATTERN';
}

/** A handler is declared in a way the bus cannot honour; thrown at bootstrap. @publicApi */
export class InvalidHandlerError extends MessageBusError {
  readonly code = 'INVALID_HANDLER';
}

/** Two command or query handlers claim the same topic; thrown at bootstrap. @publicApi */
export class DuplicateHandlerError extends MessageBusError {
  readonly code = 'DUPLICATE_HANDLER';

  constructor(
    readonly topic: string,
    readonly existing: string,
    readonly duplicate: string,
  ) {
    super(`Topic "${topic}" already has a handler (${existing}); ${duplicate} cannot handle it too`);
  }
}

/** A command was sent to a topic no handler owns. @publicApi */
export class NoHandlerError extends MessageBusError {
  readonly code = 'NO_HANDLER';

  constructor(readonly topic: string) {
    super(`No handler for command "${topic}"`);
  }
}

/** The encoded payload is larger than `maxPayloadBytes`. @publicApi */
export class PayloadTooLargeError extends MessageBusError {
  readonly code = 'PAYLOAD_TOO_LARGE';

  constructor(
    readonly topic: string,
    readonly limit: number,
  ) {
    super(`Payload of "${topic}" exceeds maxPayloadBytes (${limit})`);
  }
}

/** The local queue is full and the backpressure strategy is `reject-new`. @publicApi */
export class OverloadedError extends MessageBusError {
  readonly code = 'OVERLOADED';
}

/** The bus is shut down or was never started. @publicApi */
export class BusClosedError extends MessageBusError {
  readonly code = 'BUS_CLOSED';
}

/** A transport URL names no known transport, or its options are unusable. @publicApi */
export class InvalidTransportError extends MessageBusError {
  readonly code = 'INVALID_TRANSPORT';
}

/**
 * Throw it from a handler to skip the remaining attempts: the message goes straight to the
 * dead letters with reason `UNRECOVERABLE`.
 * @publicApi
 */
export class UnrecoverableError extends MessageBusError {
  readonly code = 'UNRECOVERABLE';
}

/** Turns anything a handler threw into an `Error`, so a thrown string is handled like any failure. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const text = typeof thrown === 'string' ? thrown : safeStringify(thrown);
  return new Error(`Non-error thrown: ${text}`, { cause: thrown });
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A per-message or module option is out of range. @publicApi */
export class InvalidOptionsError extends MessageBusError {
  readonly code = 'INVALID_OPTIONS';
}

/** The transport did not answer `bus.probe()` in time (the health check reports it down). @publicApi */
export class TransportUnresponsiveError extends MessageBusError {
  readonly code = 'TRANSPORT_UNRESPONSIVE';
}

/** A handler attempt ran longer than its `timeoutMs`; counted as a failure. @publicApi */
export class HandlerTimeoutError extends MessageBusError {
  readonly code = 'HANDLER_TIMEOUT';
}

/**
 * The message was refused (a guard said no). A requester gets `FORBIDDEN`; a command is
 * dead-lettered as `REJECTED` without retries; an event handler is skipped (counted as filtered).
 * @publicApi
 */
export class MessageRejectedError extends MessageBusError {
  readonly code = 'FORBIDDEN';
}

/**
 * The payload is invalid (a pipe refused it). A requester gets `VALIDATION`; the message is
 * dead-lettered as `VALIDATION` without retries.
 * @publicApi
 */
export class MessageValidationError extends MessageBusError {
  readonly code = 'VALIDATION';
}
