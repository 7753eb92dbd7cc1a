import { MessageBusError, type BusErrorCode } from '../messages/errors.js';

/**
 * A `@MessagePattern`/`@EventPattern` or a client pattern is not a string: the bus routes by
 * topic, and an object pattern (`{ cmd: 'sum' }`) has none. Thrown at bootstrap for handlers,
 * by `send`/`emit` for clients.
 * @publicApi
 */
export class UnsupportedPatternError extends MessageBusError {
  readonly code = 'UNSUPPORTED_PATTERN';

  constructor(readonly pattern: unknown) {
    super(`Message bus patterns are topic strings such as 'orders.get', got ${describePattern(pattern)}`);
  }
}

/**
 * A Nest microservice handler failed: its exception filters turned the exception into this
 * error value (for an `RpcException`, what it was given). It travels to the caller as the
 * failure's `details`, and {@link MessageBusClient} errors with it.
 * @publicApi
 */
export class RpcHandlerError extends MessageBusError {
  readonly code = 'RPC_ERROR';

  constructor(override readonly details: unknown) {
    super(messageOf(details));
  }
}

/**
 * Why a {@link MessageBusClient} request got no answer from a handler: `TIMEOUT`, `NO_HANDLER`,
 * `OVERLOADED`... (a handler's own error arrives as the server threw it instead).
 * @publicApi
 */
export class RpcRequestError extends MessageBusError {
  constructor(
    readonly code: BusErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
}

function describePattern(pattern: unknown): string {
  try {
    return JSON.stringify(pattern) ?? String(pattern);
  } catch {
    return typeof pattern;
  }
}
