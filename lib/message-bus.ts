import type { AsyncApiDocument, DescribeOptions } from './asyncapi/asyncapi-document.js';
import { describeEngine } from './asyncapi/describe-engine.js';
import { BusEngine } from './dispatch/bus-engine.js';
import { BusSession, split, type SessionDefaults } from './dispatch/bus-session.js';
import type { BusStats } from './dispatch/bus-stats.js';
import { DeadLetters } from './dispatch/dead-letters.js';
import { resolveEngineOptions, type CoreBusOptions, type LoggerFactory } from './dispatch/engine-options.js';
import type { PublishOptions, RequestOptions } from './messages/envelope.js';
import { InvalidOptionsError } from './messages/errors.js';
import { newMessageId } from './messages/message-id.js';
import type { CommandResult, QueryResult } from './messages/results.js';
import type { Transport } from './transports/contract/transport.js';

const engines = new WeakMap<MessageBus, BusEngine>();

/** The engine behind a bus; for the library's own Nest and testing layers, not for users. */
export function engineOf(bus: MessageBus): BusEngine {
  return engines.get(bus) as BusEngine;
}

/**
 * Publishes events, sends and executes commands and asks queries. Inject it anywhere once
 * `MessageBusModule.forRoot()` is imported.
 *
 * ```ts
 * constructor(private readonly bus: MessageBus) {}
 * await this.bus.publish(new TtsStarted('hello'));
 * const answer = await this.bus.request<string[]>('DB.GetMessages', { limit: 10 });
 * ```
 * @publicApi
 */
export class MessageBus {
  /** List, count, replay and purge the messages handlers gave up on. */
  readonly deadLetters: DeadLetters;
  readonly #engine: BusEngine;

  /** @internal Built by `MessageBusModule`. */
  constructor(transport: Transport, options: CoreBusOptions, createLogger: LoggerFactory) {
    this.#engine = new BusEngine(transport, resolveEngineOptions(options, createLogger), this);
    engines.set(this, this.#engine);
    this.deadLetters = new DeadLetters(this.#engine);
  }

  /** Publishes an event to every group bound to its topic; none is fine (counted as unrouted). */
  publish(event: object, options?: PublishOptions): Promise<void>;
  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
  publish(eventOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): Promise<void> {
    const [payload, opts] = split(eventOrTopic, payloadOrOptions, options);
    return this.#engine.publish('event', eventOrTopic, payload, opts);
  }

  /**
   * Sends a command to its one handler; resolves once the transport accepted it (not when it is
   * handled). Rejects with `NoHandlerError` when no handler owns the topic.
   */
  send(command: object, options?: PublishOptions): Promise<void>;
  send(topic: string, payload: unknown, options?: PublishOptions): Promise<void>;
  send(commandOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): Promise<void> {
    const [payload, opts] = split(commandOrTopic, payloadOrOptions, options);
    return this.#engine.publish('command', commandOrTopic, payload, opts);
  }

  /**
   * Sends a command and waits for its final outcome: the handler's return value, or why it
   * failed once retries are exhausted. Never rejects for a handler failure.
   */
  execute<R = unknown>(command: object, options?: RequestOptions): Promise<CommandResult<R>>;
  execute<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<CommandResult<R>>;
  execute<R>(commandOrTopic: string | object, payloadOrOptions?: unknown, options?: RequestOptions): Promise<CommandResult<R>> {
    const [payload, opts] = split(commandOrTopic, payloadOrOptions, options);
    return this.#engine.execute<R>(commandOrTopic, payload, opts);
  }

  /** Asks a query; resolves `{ ok: true, data }` or `{ ok: false, error: { code } }`, never rejects for a handler failure. */
  request<R = unknown>(query: object, options?: RequestOptions): Promise<QueryResult<R>>;
  request<R = unknown>(topic: string, payload: unknown, options?: RequestOptions): Promise<QueryResult<R>>;
  request<R>(queryOrTopic: string | object, payloadOrOptions?: unknown, options?: RequestOptions): Promise<QueryResult<R>> {
    const [payload, opts] = split(queryOrTopic, payloadOrOptions, options);
    return this.#engine.query<R>(queryOrTopic, payload, opts);
  }

  /**
   * Opens a session: its messages carry `id` (new if omitted) and its handlers see only them;
   * `defaults` (a `correlationId`, `headers`) go on every message it sends unless that message's options say otherwise.
   */
  session(id: string = newMessageId(), defaults?: SessionDefaults): BusSession {
    if (typeof id !== 'string' || id.length === 0 || id.length > 255) {
      throw new InvalidOptionsError(`A session id must be a string of 1..255 chars, got ${JSON.stringify(id)}`);
    }
    return new BusSession(this.#engine, id, defaults);
  }

  /** Counters and gauges of this instance. */
  getStats(): BusStats {
    return this.#engine.stats();
  }

  /**
   * The AsyncAPI 3.0 document of this application's messaging: its handlers (receive), its
   * `@Topic` classes (send), their channels and payload schemas. Needs no connection.
   */
  describe(options?: DescribeOptions): AsyncApiDocument {
    return describeEngine(this.#engine, options);
  }
}
