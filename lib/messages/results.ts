import type { BusErrorCode } from './errors.js';

/** The answer to a `request`: the handler's value, or why there is none. @publicApi */
export type QueryResult<T> =
  | { ok: true; data: T }
  | { ok: false; error: { code: BusErrorCode; message: string } };

/** The outcome of `execute`: a {@link QueryResult} plus the id of the command. @publicApi */
export type CommandResult<T> = QueryResult<T> & { commandId: string };

/** A failed result. */
export function failure(code: BusErrorCode, message: string): QueryResult<never> {
  return { ok: false, error: { code, message } };
}
