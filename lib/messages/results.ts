import type { BusErrorCode } from './errors.js';

/** The answer to a `request`: the handler's value, or why there is none. @publicApi */
export type QueryResult<T> =
  | { ok: true; data: T }
  | { ok: false; error: { code: BusErrorCode; message: string; details?: unknown } };

/** The outcome of `execute`: a {@link QueryResult} plus the id of the command. @publicApi */
export type CommandResult<T> = QueryResult<T> & { commandId: string };

/** A failed result; `details` (JSON) travels to the requester only when given. */
export function failure(code: BusErrorCode, message: string, details?: unknown): QueryResult<never> {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}
