import type { JsonSchema } from '../messages/topic.decorator.js';

/** `{ $ref: '#/...' }`, a pointer into the same document. */
export interface AsyncApiRef {
  $ref: string;
}

/** One message (a `@Topic` class, or whatever a pattern carries) with its payload schema. */
export interface AsyncApiMessage {
  name: string;
  title?: string;
  contentType: string;
  payload: JsonSchema;
  [extension: `x-${string}`]: unknown;
}

export interface AsyncApiChannel {
  address: string;
  title?: string;
  messages: Record<string, AsyncApiRef>;
  [extension: `x-${string}`]: unknown;
}

export interface AsyncApiOperation {
  action: 'send' | 'receive';
  channel: AsyncApiRef;
  messages: AsyncApiRef[];
  summary?: string;
  [extension: `x-${string}`]: unknown;
}

export interface AsyncApiServer {
  host: string;
  protocol: string;
  pathname?: string;
  description?: string;
}

/**
 * The AsyncAPI 3.0 document `bus.describe()` returns: plain JSON-safe data.
 * @publicApi
 */
export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description?: string; [extension: `x-${string}`]: unknown };
  defaultContentType: string;
  servers: Record<string, AsyncApiServer>;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, AsyncApiOperation>;
  components: { messages: Record<string, AsyncApiMessage> };
}

/**
 * What `bus.describe()` takes: the document's title (default: the `serviceName`) and the
 * version of the application's API (default `0.0.0`).
 * @publicApi
 */
export interface DescribeOptions {
  title?: string;
  version?: string;
  description?: string;
}
