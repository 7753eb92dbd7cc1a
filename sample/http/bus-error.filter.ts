import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { MessageBusError } from 'nestjs-message-bus';

/** The HTTP status of each bus error a request can run into; anything else is a 500. */
const STATUS: Record<string, HttpStatus> = {
  INVALID_TOPIC: HttpStatus.BAD_REQUEST,
  INVALID_OPTIONS: HttpStatus.BAD_REQUEST,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  NO_HANDLER: HttpStatus.NOT_FOUND,
  OVERLOADED: HttpStatus.SERVICE_UNAVAILABLE,
  BUS_CLOSED: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * Turns errors the bus throws at a publisher (a malformed topic, a payload too large, a
 * command nobody handles...) into HTTP errors: `{ statusCode, code, message }`.
 */
@Catch(MessageBusError)
export class BusErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: MessageBusError, host: ArgumentsHost): void {
    const status = STATUS[error.code] ?? HttpStatus.INTERNAL_SERVER_ERROR;
    const body = { statusCode: status, code: error.code, message: error.message };
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, status);
  }
}
