import type { BusPublisher } from '../messages/bus-publisher.js';
import type { DeliveryMode, PublishOptions, RequestOptions } from '../messages/envelope.js';
import type { CommandResult, QueryResult } from '../messages/results.js';
import type { BusEngine } from './bus-engine.js';

/** The four ways to send, shared by the bus and its sessions; `stamp` adds what every message of the sender carries. */
export abstract class PublisherBase implements BusPublisher {
  /** @internal */
  protected abstract readonly engine: BusEngine;

  /** The options a message goes out with; the bus sends them as given. */
  protected stamp<O extends PublishOptions>(options: O | undefined): O | undefined {
    return options;
  }

  publish(event: object, options: PublishOptions & { delivery: Exclude<DeliveryMode, 'durable'> }): Promise<number>;
  publish(topic: string, payload: unknown, options: PublishOptions & { delivery: Exclude<DeliveryMode, 'durable'> }): Promise<number>;
  publish(event: object, options?: PublishOptions): Promise<void>;
  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
  publish(eventOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): Promise<number | void> {
    const [payload, opts] = split(eventOrTopic, payloadOrOptions, options);
    return this.engine.publish('event', eventOrTopic, payload, this.stamp(opts));
  }

  send(command: object, options?: PublishOptions): Promise<void>;
  send(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
  send(commandOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): Promise<void> {
    const [payload, opts] = split(commandOrTopic, payloadOrOptions, options);
    return this.engine.publish('command', commandOrTopic, payload, this.stamp(opts)) as Promise<void>;
  }

  execute<R = unknown>(command: object, options?: RequestOptions): Promise<CommandResult<R>>;
  execute<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<CommandResult<R>>;
  execute<R>(commandOrTopic: string | object, payloadOrOptions?: unknown, options?: RequestOptions): Promise<CommandResult<R>> {
    const [payload, opts] = split(commandOrTopic, payloadOrOptions, options);
    return this.engine.execute<R>(commandOrTopic, payload, this.stamp(opts));
  }

  request<R = unknown>(query: object, options?: RequestOptions): Promise<QueryResult<R>>;
  request<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<QueryResult<R>>;
  request<R>(queryOrTopic: string | object, payloadOrOptions?: unknown, options?: RequestOptions): Promise<QueryResult<R>> {
    const [payload, opts] = split(queryOrTopic, payloadOrOptions, options);
    return this.engine.query<R>(queryOrTopic, payload, this.stamp(opts));
  }
}

/** Sorts `(message, options)` and `(topic, payload, options)` calls into payload and options. */
export function split<O>(topicOrMessage: string | object, payloadOrOptions: unknown, options: O | undefined): [unknown, O | undefined] {
  return typeof topicOrMessage === 'string' ? [payloadOrOptions, options] : [undefined, payloadOrOptions as O | undefined];
}
