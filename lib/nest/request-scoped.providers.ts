import { Scope, type Provider } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { MESSAGE_CONTEXT } from '../constants.js';
import { BusSession } from '../dispatch/bus-session.js';
import { BusMessageContext } from '../dispatch/message-context.js';
import { MessageBus } from '../message-bus.js';

/** What a request-scoped `BusSession` needs of an HTTP request (Express or Fastify's raw one). */
interface HttpRequestLike {
  headers?: Record<string, string | string[] | undefined>;
  res?: { once(event: 'close', listener: () => void): unknown };
  raw?: HttpRequestLike;
  once?(event: 'close', listener: () => void): unknown;
}

/** The context of the message a request-scoped provider was created for. */
export const messageContextProvider: Provider = {
  provide: MESSAGE_CONTEXT,
  scope: Scope.REQUEST,
  useFactory: (request: unknown) => (request instanceof BusMessageContext ? request : undefined),
  inject: [REQUEST],
};

/**
 * A `BusSession` bound to what the provider was created for: the message being handled (its
 * session id, closed once its handlers finished) or the HTTP request (`x-session-id`, else a new
 * id; closed when the response ends).
 */
export const sessionProvider: Provider = {
  provide: BusSession,
  scope: Scope.REQUEST,
  useFactory: (request: unknown, bus: MessageBus): BusSession => {
    if (request instanceof BusMessageContext) {
      const session = bus.session(request.sessionId);
      request.onSettled(() => void session.close());
      return session;
    }
    const http = request as HttpRequestLike | undefined;
    const header = http?.headers?.['x-session-id'] ?? http?.raw?.headers?.['x-session-id'];
    const session = bus.session(typeof header === 'string' && header.length > 0 ? header : undefined);
    const ended = http?.res ?? http?.raw ?? http;
    ended?.once?.('close', () => void session.close());
    return session;
  },
  inject: [REQUEST, MessageBus],
};
