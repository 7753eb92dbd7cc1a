import { Scope, type Provider } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { BUS_ENGINE, MESSAGE_CONTEXT } from '../constants.js';
import type { BusEngine } from '../dispatch/bus-engine.js';
import { BusSession, type SessionDefaults } from '../dispatch/bus-session.js';
import { BusMessageContext } from '../dispatch/message-context.js';
import { MessageBus } from '../message-bus.js';

/** What a request-scoped `BusSession` needs of an HTTP request (Express or Fastify's raw one). */
interface HttpRequestLike {
  headers?: Record<string, string | string[] | undefined>;
  res?: { once(event: 'close', listener: () => void): unknown };
  raw?: HttpRequestLike;
  once?(event: 'close', listener: () => void): unknown;
}

// Longer values are not ids; they would bloat every envelope.
const MAX_ID_LENGTH = 255;
// W3C trace context headers, carried on when the bus traces.
const TRACE_HEADERS = ['traceparent', 'tracestate'];

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
 * id; `x-correlation-id` and, when tracing, `traceparent` go on what it sends; closed when the response ends).
 */
export const sessionProvider: Provider = {
  provide: BusSession,
  scope: Scope.REQUEST,
  useFactory: (request: unknown, bus: MessageBus, engine: BusEngine): BusSession => {
    if (request instanceof BusMessageContext) {
      const session = bus.session(request.sessionId);
      request.onSettled(() => void session.close());
      return session;
    }
    const http = request as HttpRequestLike | undefined;
    const session = bus.session(idHeader(http, 'x-session-id'), requestDefaults(http, engine.traced));
    const ended = http?.res ?? http?.raw ?? http;
    ended?.once?.('close', () => void session.close());
    return session;
  },
  inject: [REQUEST, MessageBus, BUS_ENGINE],
};

function header(http: HttpRequestLike | undefined, name: string): string | undefined {
  const value = http?.headers?.[name] ?? http?.raw?.headers?.[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function idHeader(http: HttpRequestLike | undefined, name: string): string | undefined {
  const value = header(http, name);
  return value !== undefined && value.length <= MAX_ID_LENGTH ? value : undefined;
}

function requestDefaults(http: HttpRequestLike | undefined, traced: boolean): SessionDefaults {
  const headers: Record<string, string> = {};
  for (const name of traced ? TRACE_HEADERS : []) {
    const value = header(http, name);
    if (value !== undefined) headers[name] = value;
  }
  return { correlationId: idHeader(http, 'x-correlation-id'), headers: Object.keys(headers).length > 0 ? headers : undefined };
}
