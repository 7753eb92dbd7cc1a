import type { PublishOptions, RequestOptions, MessageContext } from '../messages/envelope.js';
import type { CommandResult, QueryResult } from '../messages/results.js';
import { topicOf } from '../messages/topic.decorator.js';
import type { BusEngine } from './bus-engine.js';
import type { RegisteredHandler } from './handler.js';

/** What every message a session sends carries unless its own options say otherwise. @publicApi */
export type SessionDefaults = Pick<PublishOptions, 'correlationId' | 'headers'>;

/** A session handler: the payload and its context. @publicApi */
export type SessionHandler<T = unknown> = (payload: T, context: MessageContext) => unknown;

/**
 * A conversation: what it publishes carries its id, and its `on` handlers see only events of
 * that session. `close()` (or `await using`) removes the handlers.
 * @publicApi
 */
export class BusSession implements AsyncDisposable {
  private readonly handlers = new Set<RegisteredHandler>();
  private handlerCount = 0;

  /** @internal */
  constructor(
    private readonly engine: BusEngine,
    readonly id: string,
    private readonly defaults: SessionDefaults = {},
  ) {}

  publish(event: object, options?: PublishOptions): Promise<void>;
  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
  publish(eventOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): Promise<void> {
    const [payload, opts] = split(eventOrTopic, payloadOrOptions, options);
    return this.engine.publish('event', eventOrTopic, payload, this.stamp(opts));
  }

  send(command: object, options?: PublishOptions): Promise<void>;
  send(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
  send(commandOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): Promise<void> {
    const [payload, opts] = split(commandOrTopic, payloadOrOptions, options);
    return this.engine.publish('command', commandOrTopic, payload, this.stamp(opts));
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

  /**
   * Handles events of this session whose topic matches `patternOrClass` (a pattern, or a
   * `@Topic` class). Runs on this instance only. Returns a function that removes the handler.
   */
  on<T = unknown>(patternOrClass: string | (new (...args: never[]) => T), handler: SessionHandler<T>, priority?: number): () => void {
    const isClass = typeof patternOrClass === 'function';
    const registered = this.engine.addHandler({
      id: `session:${this.id}:${++this.handlerCount}`,
      kind: 'event',
      patterns: [isClass ? topicOf(patternOrClass) : patternOrClass],
      options: { priority },
      invoke: handler as SessionHandler,
      payloadType: isClass ? patternOrClass : undefined,
      sessionId: this.id,
    });
    this.handlers.add(registered);
    return () => {
      if (this.handlers.delete(registered)) this.engine.removeHandler(registered);
    };
  }

  /** Removes every handler of this session. */
  close(): Promise<void> {
    for (const handler of this.handlers) this.engine.removeHandler(handler);
    this.handlers.clear();
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private stamp<O extends PublishOptions>(options: O | undefined): O {
    const { correlationId, headers } = this.defaults;
    return {
      correlationId,
      ...(options as O),
      headers: headers === undefined ? options?.headers : { ...headers, ...options?.headers },
      sessionId: this.id,
    };
  }
}

/** Sorts `(message, options)` and `(topic, payload, options)` calls into payload and options. */
export function split<O>(topicOrMessage: string | object, payloadOrOptions: unknown, options: O | undefined): [unknown, O | undefined] {
  return typeof topicOrMessage === 'string' ? [payloadOrOptions, options] : [undefined, payloadOrOptions as O | undefined];
}
