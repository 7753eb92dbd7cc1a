import { InvalidOptionsError, type MessageBusError } from '../messages/errors.js';

/** Throws (an `InvalidOptionsError` unless told otherwise) unless `value` is an integer in [min, max]. */
export function assertInteger(
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  Failure: new (message: string) => MessageBusError = InvalidOptionsError,
): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Failure(`${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
}
