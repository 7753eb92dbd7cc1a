import { HttpException, HttpStatus } from '@nestjs/common';
import { MessageRejectedError, MessageValidationError } from '../messages/errors.js';

const REFUSED = new Set<number>([HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN]);
const INVALID = new Set<number>([HttpStatus.BAD_REQUEST, HttpStatus.UNPROCESSABLE_ENTITY]);

/**
 * Nest's guards and pipes speak HTTP: a refusing guard throws `ForbiddenException`, a failing
 * `ValidationPipe` a `BadRequestException`. The bus gives them their message meaning
 * (`FORBIDDEN`: not retried, events skipped; `VALIDATION`: not retried), and lets anything else
 * through unchanged.
 */
export function translateHttpException(error: unknown): never {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (REFUSED.has(status)) throw new MessageRejectedError(describe(error), { cause: error });
    if (INVALID.has(status)) throw new MessageValidationError(describe(error), { cause: error });
  }
  throw error;
}

function describe(error: HttpException): string {
  const response = error.getResponse();
  const message = typeof response === 'object' && response !== null && 'message' in response ? response.message : error.message;
  return Array.isArray(message) ? message.join('; ') : String(message);
}
