import type { DeliveryMode, PublishOptions, RequestOptions } from './envelope.js';
import type { CommandResult, QueryResult } from './results.js';

/**
 * What can send messages: the `MessageBus`, a `BusSession`, and a handler's `context.bus`.
 * @publicApi
 */
export interface BusPublisher {
  /**
   * Publishes an event to every group bound to its topic; none is fine (counted as unrouted).
   * Published `realtime` or `both`, it resolves how many instances received it in real time.
   */
  publish(event: object, options: PublishOptions & { delivery: Exclude<DeliveryMode, 'durable'> }): Promise<number>;
  publish(topic: string, payload: unknown, options: PublishOptions & { delivery: Exclude<DeliveryMode, 'durable'> }): Promise<number>;
  publish(event: object, options?: PublishOptions): Promise<void>;
  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
  /**
   * Sends a command to its one handler; resolves once the transport accepted it (not when it is
   * handled). Rejects with `NoHandlerError` when no handler owns the topic.
   */
  send(command: object, options?: PublishOptions): Promise<void>;
  send(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
  /**
   * Sends a command and waits for its final outcome: the handler's return value, or why it
   * failed once retries are exhausted. Never rejects for a handler failure.
   */
  execute<R = unknown>(command: object, options?: RequestOptions): Promise<CommandResult<R>>;
  execute<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<CommandResult<R>>;
  /** Asks a query; resolves `{ ok: true, data }` or `{ ok: false, error: { code } }`, never rejects for a handler failure. */
  request<R = unknown>(query: object, options?: RequestOptions): Promise<QueryResult<R>>;
  request<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<QueryResult<R>>;
}
