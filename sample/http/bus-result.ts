import { HttpException, HttpStatus } from '@nestjs/common';
import type { BusErrorCode, QueryResult } from 'nestjs-message-bus';

/** The HTTP status of each way a command or query can fail. */
const STATUS: Record<BusErrorCode, HttpStatus> = {
  NO_HANDLER: HttpStatus.NOT_FOUND,
  VALIDATION: HttpStatus.BAD_REQUEST,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  HANDLER_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
  TIMEOUT: HttpStatus.GATEWAY_TIMEOUT,
  CIRCUIT_OPEN: HttpStatus.SERVICE_UNAVAILABLE,
  OVERLOADED: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * Answers a successful `execute` or `request` result as it is (200), and turns a failed one
 * into an HTTP error whose body is still the result: `{ ok: false, error: { code, message } }`,
 * plus `commandId` for a command.
 */
export function respond<R extends QueryResult<unknown>>(result: R): R {
  const outcome: QueryResult<unknown> = result;
  if (outcome.ok) return result;
  throw new HttpException(result, STATUS[outcome.error.code] ?? HttpStatus.INTERNAL_SERVER_ERROR);
}
