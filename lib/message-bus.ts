import type { AsyncApiDocument, DescribeOptions } from './asyncapi/asyncapi-document.js';
import { describeEngine } from './asyncapi/describe-engine.js';
import { BusEngine, type BusProbe } from './dispatch/bus-engine.js';
import { describeHandlers, type HandlerInfo } from './dispatch/handler-info.js';
import { BusSession, type SessionDefaults } from './dispatch/bus-session.js';
import { PublisherBase } from './dispatch/publisher-base.js';
import type { BusStats } from './dispatch/bus-stats.js';
import { DeadLetters } from './dispatch/dead-letters.js';
import { resolveEngineOptions, type CoreBusOptions, type LoggerFactory } from './dispatch/engine-options.js';
import { InvalidOptionsError } from './messages/errors.js';
import { newMessageId } from './messages/message-id.js';
import type { Transport } from './transports/contract/transport.js';

const engines = new WeakMap<MessageBus, BusEngine>();

/** @internal The engine behind a bus, for the library's layers without DI (testing recorder, microservice peers). */
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
export class MessageBus extends PublisherBase {
  /** List, count, replay and purge the messages handlers gave up on. */
  readonly deadLetters: DeadLetters;
  /** @internal */
  protected readonly engine: BusEngine;

  // Built by `MessageBusModule` (or a microservice peer) through `create`; not by applications.
  private constructor(transport: Transport, options: CoreBusOptions, createLogger: LoggerFactory) {
    super();
    this.engine = new BusEngine(transport, resolveEngineOptions(options, createLogger), this);
    engines.set(this, this.engine);
    this.deadLetters = DeadLetters.create(this.engine);
  }

  /** @internal */
  static create(transport: Transport, options: CoreBusOptions, createLogger: LoggerFactory): MessageBus {
    return new MessageBus(transport, options, createLogger);
  }

  /**
   * Opens a session: its messages carry `id` (new if omitted) and its handlers see only them;
   * `defaults` (a `correlationId`, `headers`) go on every message it sends unless that message's options say otherwise.
   */
  session(id: string = newMessageId(), defaults?: SessionDefaults): BusSession {
    if (typeof id !== 'string' || id.length === 0 || id.length > 255) {
      throw new InvalidOptionsError(`A session id must be a string of 1..255 chars, got ${JSON.stringify(id)}`);
    }
    return BusSession.create(this.engine, id, defaults);
  }

  /** This instance's id, unique per process run (it names the instance's broadcast group). */
  get instanceId(): string {
    return this.engine.instanceId;
  }

  /** The transport's name: `memory`, `redis`, `amqp`... */
  get transportName(): string {
    return this.engine.transportName;
  }

  /** Every handler registered on this instance, session handlers included, in registration order. */
  handlers(): HandlerInfo[] {
    return describeHandlers(this.engine.registry);
  }

  /**
   * Whether the bus runs and its transport answers within `timeoutMs` (default 1000): a ping's
   * latency and the dead letter count. Rejects with the transport's error, or
   * `TransportUnresponsiveError` when it does not answer in time.
   */
  probe(timeoutMs = 1000): Promise<BusProbe> {
    return this.engine.probe(timeoutMs);
  }

  /** Counters and gauges of this instance. */
  getStats(): BusStats {
    return this.engine.stats();
  }

  /**
   * The AsyncAPI 3.0 document of this application's messaging: its handlers (receive), its
   * `@Topic` classes (send), their channels and payload schemas. Needs no connection.
   */
  describe(options?: DescribeOptions): AsyncApiDocument {
    return describeEngine(this.engine, options);
  }
}
