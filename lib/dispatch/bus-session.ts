import type { PublishOptions } from '../messages/envelope.js';
import type { MessageContext } from '../messages/message-context.js';
import { topicOf } from '../messages/topic.decorator.js';
import type { BusEngine } from './bus-engine.js';
import type { RegisteredHandler } from './handler.js';
import { PublisherBase } from './publisher-base.js';

/** What every message a session sends carries unless its own options say otherwise. @publicApi */
export type SessionDefaults = Pick<PublishOptions, 'correlationId' | 'headers'>;

/** A session handler: the payload and its context. @publicApi */
export type SessionHandler<T = unknown> = (payload: T, context: MessageContext) => unknown;

/**
 * A conversation: what it publishes carries its id, and its `on` handlers see only events of
 * that session. `close()` (or `await using`) removes the handlers.
 * @publicApi
 */
export class BusSession extends PublisherBase implements AsyncDisposable {
  private readonly handlers = new Set<RegisteredHandler>();
  private handlerCount = 0;

  private constructor(
    /** @internal */
    protected readonly engine: BusEngine,
    readonly id: string,
    private readonly defaults: SessionDefaults,
  ) {
    super();
  }

  /** @internal */
  static create(engine: BusEngine, id: string, defaults: SessionDefaults = {}): BusSession {
    return new BusSession(engine, id, defaults);
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

  protected override stamp<O extends PublishOptions>(options: O | undefined): O {
    const { correlationId, headers } = this.defaults;
    return {
      correlationId,
      ...(options as O),
      headers: headers === undefined ? options?.headers : { ...headers, ...options?.headers },
      sessionId: this.id,
    };
  }
}
