import type { DeadLetter } from '../messages/dead-letter.js';
import type { Envelope, MessageKind, PublishOptions, RequestOptions } from '../messages/envelope.js';
import { BusClosedError, InvalidHandlerError, InvalidOptionsError, NoHandlerError, toError, TransportUnresponsiveError } from '../messages/errors.js';
import { newInstanceId } from '../messages/message-id.js';
import { failure, type CommandResult, type QueryResult } from '../messages/results.js';
import type { BusPublisher } from '../messages/bus-publisher.js';
import { DeadLetterWriter } from '../transports/contract/dead-letter-writer.js';
import type { Transport, TransportConnection, TransportServer } from '../transports/contract/transport.js';
import { BusCounters, type BusStats } from './bus-stats.js';
import type { CircuitState } from './circuit-breaker.js';
import { settlesWithin, withinTimeout } from './deadline.js';
import { Dispatcher } from './dispatcher.js';
import { buildEnvelope } from './envelope-builder.js';
import { GroupConsumers } from './group-consumers.js';
import { HandlerExecutor, type Settler } from './handler-executor.js';
import type { EngineOptions } from './engine-options.js';
import type { HandlerSpec, RegisteredHandler } from './handler.js';
import type { Instrumentation } from './instrumentation.js';
import { assertInteger } from '../primitives/assert-integer.js';
import { HandlerRegistry } from './handler-registry.js';
import { BusMessageContext } from './message-context.js';
import { PendingReplies } from './pending-replies.js';

const REQUEST_TIMEOUT_MS = 5_000;
const EXECUTE_TIMEOUT_MS = 30_000;
const RESOLVED: Promise<void> = Promise.resolve();

type State = 'new' | 'starting' | 'running' | 'draining' | 'closed';

/**
 * What `bus.probe()` found: whether the bus takes messages, and if so how fast the transport
 * answered a ping and how many dead letters its store holds.
 * @publicApi
 */
export type BusProbe = { running: false } | { running: true; latencyMs: number; deadLetters: number };

/** Watches every message this instance publishes (the testing recorder uses it). */
export type PublishObserver = (envelope: Envelope) => void;

/**
 * The bus without its Nest face: builds envelopes, publishes through the transport connection,
 * answers requests, owns the registry and the dispatcher, and runs start, drain and close.
 */
export class BusEngine {
  readonly instanceId = newInstanceId();
  readonly counters = new BusCounters();
  readonly registry: HandlerRegistry;
  private readonly dispatcher: Dispatcher;
  private readonly executor: HandlerExecutor;
  private readonly replies = new PendingReplies();
  private readonly letters: DeadLetterWriter;
  private consumers?: GroupConsumers;
  private readonly observers: PublishObserver[] = [];
  private connection?: TransportConnection;
  private instrumentation: Instrumentation = {};
  private state: State = 'new';
  private markRunning!: () => void;
  private markClosed!: (error: Error) => void;
  private readonly running = new Promise<void>((resolve, reject) => {
    this.markRunning = resolve;
    this.markClosed = reject;
  });

  constructor(
    private readonly transport: Transport,
    readonly options: EngineOptions,
    bus: BusPublisher,
  ) {
    // Callers that never published before close must not see an unhandled rejection.
    this.running.catch(() => undefined);
    this.registry = new HandlerRegistry(options.serviceName, `${options.serviceName}.${this.instanceId}`, {
      retry: options.retry,
      circuitBreaker: options.circuitBreaker,
      timeoutMs: options.handlerTimeoutMs,
    });
    this.executor = new HandlerExecutor(this.counters, options.createLogger('MessageBus:Dispatcher'), {
      idempotency: options.idempotency,
      failureLogLevel: options.handlerFailureLogLevel,
    });
    this.letters = new DeadLetterWriter({
      store: () => this.connected().deadLetters,
      failed: () => {
        this.counters.deadLetterFailures += 1;
      },
      logger: options.logger,
      describe: (error) => toError(error).message,
    });
    this.dispatcher = new Dispatcher(this.registry, this.executor, (envelope) => new BusMessageContext(envelope, bus), this.counters, {
      concurrency: options.concurrency,
      maxQueueSize: options.maxQueueSize,
      backpressure: options.backpressure,
      logger: options.logger,
    });
  }

  get transportName(): string {
    return this.transport.name;
  }

  /** The transport's broker, credential-free, when the transport tells it. */
  get transportServer(): TransportServer | undefined {
    return this.transport.server;
  }

  addHandler(spec: HandlerSpec): RegisteredHandler {
    return this.registry.add(spec);
  }

  removeHandler(handler: RegisteredHandler): void {
    this.registry.remove(handler);
  }

  /** Whether publishing writes trace context (OpenTelemetry is registered). */
  get traced(): boolean {
    return this.instrumentation.tracer !== undefined;
  }

  /** Installs metrics and tracing hooks (before start). */
  instrument(instrumentation: Instrumentation): void {
    this.instrumentation = instrumentation;
    this.executor.instrument(instrumentation.metrics, instrumentation.tracer);
    this.dispatcher.metrics = instrumentation.metrics;
  }

  observe(observer: PublishObserver): () => void {
    this.observers.push(observer);
    return () => {
      const index = this.observers.indexOf(observer);
      if (index >= 0) this.observers.splice(index, 1);
    };
  }

  /** Connects the transport and starts consuming every group the registry holds. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'starting';
    const { options } = this;
    this.connection = await this.transport.connect({
      serviceName: options.serviceName,
      instanceId: this.instanceId,
      concurrency: options.concurrency,
      maxAttempts: options.retry.maxAttempts,
      logger: options.createLogger(`MessageBus:${this.transport.name}`),
      codec: options.codec,
      codecs: options.codecs,
      maxPayloadBytes: options.maxPayloadBytes,
      deadLetters: options.deadLetters,
      onReply: (reply) => this.replies.settle(reply),
      onDeadLettersDropped: (count) => {
        this.counters.dropped += count;
      },
      onDeadLettered: (letter) => {
        this.counters.deadLettered += 1;
        this.instrumentation.metrics?.deadLettered(letter.envelope, letter.reason);
      },
      onDeadLetterFailed: () => {
        this.counters.deadLetterFailures += 1;
      },
      onStaleAck: () => {
        this.counters.staleAcks += 1;
      },
    });
    const subscriptions = this.registry.subscriptions();
    if (this.connection.publishRealtime === undefined && subscriptions.some((subscription) => subscription.realtime === true)) {
      // Its group would be consumed as a durable one: refused, like a realtime publish.
      await this.connection.close();
      this.connection = undefined;
      throw new InvalidHandlerError(`the ${this.transport.name} transport has no realtime delivery: no handler can take delivery 'realtime'`);
    }
    this.executor.start(this.settlerOn(this.connection), this.connection.idempotency);
    const consumers = new GroupConsumers(this.connection, this.dispatcher.accept, options.logger);
    this.consumers = consumers;
    for (const subscription of subscriptions) await consumers.consume(subscription);
    this.registry.onBindingChange((group, binding, bound) => consumers.rebind(group, binding, bound));
    this.state = 'running';
    this.markRunning();
  }

  /** Stops intake and waits (up to `drainTimeoutMs`) for queued and running messages. */
  async drain(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'draining';
    const drained = (async () => {
      await this.consumers?.stop();
      await this.dispatcher.idle();
    })();
    if (!(await settlesWithin(drained, this.options.drainTimeoutMs))) {
      this.options.logger.warn(
        `Closing with ${this.dispatcher.inFlight} message(s) in flight and ${this.dispatcher.queued} queued ` +
          `after drainTimeoutMs (${this.options.drainTimeoutMs} ms)`,
      );
    }
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    await this.drain();
    this.state = 'closed';
    this.markClosed(new BusClosedError('The message bus is closed'));
    this.replies.abandonAll('The message bus closed before a reply arrived');
    // A transport that cannot reach its broker must not hold the application's shutdown forever.
    if (this.connection && !(await settlesWithin(this.connection.close(), this.options.drainTimeoutMs))) {
      this.options.logger.warn(`The ${this.transport.name} transport did not close within ${this.options.drainTimeoutMs} ms`);
    }
  }

  /** Pings the transport and counts dead letters, both within `timeoutMs`; `running: false` outside start..drain. */
  async probe(timeoutMs: number): Promise<BusProbe> {
    assertInteger('timeoutMs', timeoutMs, 1);
    if (!this.isRunning) return { running: false };
    const connection = this.connected();
    const [latencyMs, deadLetters] = await withinTimeout(
      Promise.all([connection.ping(), connection.deadLetters.count()]),
      timeoutMs,
      () => new TransportUnresponsiveError(`no answer from the transport within ${timeoutMs} ms`),
    );
    return { running: true, latencyMs, deadLetters };
  }

  /** True between start and the beginning of shutdown. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  stats(): BusStats {
    return { ...this.counters, inFlight: this.inFlight, queued: this.queued, circuits: this.circuits() };
  }

  get inFlight(): number {
    return this.dispatcher.inFlight;
  }

  get queued(): number {
    return this.dispatcher.queued;
  }

  /** The state of every handler that has a circuit breaker, by handler id. */
  circuits(): Record<string, CircuitState> {
    const circuits: Record<string, CircuitState> = {};
    for (const handler of this.registry.list()) if (handler.breaker) circuits[handler.id] = handler.breaker.state;
    return circuits;
  }

  /**
   * Publishes an event or sends a command; a command nobody handles rejects with `NO_HANDLER`.
   * An event published `realtime` or `both` resolves how many instances received it in real time.
   */
  publish(
    kind: 'event' | 'command',
    topicOrMessage: string | object,
    payload: unknown,
    options: PublishOptions | undefined,
  ): Promise<number | void> {
    const connection = this.connection;
    if (connection === undefined || this.state === 'closed') {
      return this.whenRunning(() => this.publish(kind, topicOrMessage, payload, options));
    }
    try {
      const envelope = this.envelope(kind, topicOrMessage, payload, options);
      const delivery = options?.delivery;
      if (delivery !== undefined && delivery !== 'durable') return this.publishRealtime(connection, envelope, delivery, options?.delayMs);
      const routed = connection.publish(envelope, options?.delayMs);
      if (typeof routed === 'number') return this.published(envelope, routed);
      return routed.then((count) => this.published(envelope, count));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sends an event to the realtime handlers of every instance, and with `both` through the queues too. */
  private publishRealtime(connection: TransportConnection, envelope: Envelope, delivery: string, delayMs: number | undefined): Promise<number> {
    if (delivery !== 'realtime' && delivery !== 'both') {
      throw new InvalidOptionsError(`delivery must be 'durable', 'realtime' or 'both', got ${JSON.stringify(delivery)}`);
    }
    if (envelope.kind !== 'event') throw new InvalidOptionsError(`only events can be delivered ${delivery}`);
    if (delayMs !== undefined && delayMs > 0) throw new InvalidOptionsError(`a ${delivery} event cannot be delayed`);
    if (connection.publishRealtime === undefined) throw new InvalidOptionsError(`the ${this.transport.name} transport has no realtime delivery`);
    const received = connection.publishRealtime(envelope);
    const routed = delivery === 'both' ? connection.publish(envelope) : 0;
    return Promise.all([received, routed]).then(([instances, groups]) => this.published(envelope, instances + groups).then(() => instances));
  }

  /** Asks a query and waits for its answer. */
  query<R>(topicOrMessage: string | object, payload: unknown, options: RequestOptions | undefined): Promise<QueryResult<R>> {
    return this.ask('query', topicOrMessage, payload, options, asQueryResult<R>);
  }

  /** Executes a command and waits for its final outcome (after retries). */
  execute<R>(topicOrMessage: string | object, payload: unknown, options: RequestOptions | undefined): Promise<CommandResult<R>> {
    return this.ask('command', topicOrMessage, payload, options, withCommandId<R>);
  }

  private ask<R, T>(
    kind: 'query' | 'command',
    topicOrMessage: string | object,
    payload: unknown,
    options: RequestOptions | undefined,
    shape: (result: QueryResult<unknown>, requestId: string) => T,
  ): Promise<T> {
    const connection = this.connection;
    if (connection === undefined || this.state === 'closed') {
      return this.whenRunning(() => this.ask(kind, topicOrMessage, payload, options, shape));
    }
    const timeoutMs = options?.timeoutMs ?? (kind === 'query' ? REQUEST_TIMEOUT_MS : EXECUTE_TIMEOUT_MS);
    try {
      assertInteger('timeoutMs', timeoutMs, 1);
    } catch (error) {
      return Promise.reject(error);
    }
    const { requestId, answer } = this.replies.expect(timeoutMs, shape);
    try {
      const envelope = this.envelope(kind, topicOrMessage, payload, options, requestId);
      envelope.replyTo = connection.replyAddress;
      const routed = connection.publish(envelope, options?.delayMs);
      if (typeof routed === 'number') this.requested(envelope, routed);
      else routed.then((count) => this.requested(envelope, count), (error: unknown) => this.replies.reject(requestId, error));
    } catch (error) {
      this.replies.reject(requestId, error);
    }
    return answer;
  }

  /** Publishes a dead letter again: to its group alone when known, else by topic. */
  async republish(letter: DeadLetter): Promise<void> {
    const connection = this.connected();
    const envelope: Envelope = { ...letter.envelope, attempt: 1, deadline: undefined, replyTo: undefined };
    if (letter.group === undefined) await connection.publish(envelope);
    else await connection.schedule(letter.group, envelope, 0);
    this.accepted(envelope, 1);
  }

  /** How handled messages settle on `connection`: retries scheduled, dead letters stored, answers replied. */
  private settlerOn(connection: TransportConnection): Settler {
    const letters = this.letters;
    return {
      schedule: (group, envelope, delayMs) => connection.schedule(group, envelope, delayMs),
      deadLetter: (letter, delivery) =>
        letters.write(
          letter,
          // The dispatcher acks once every handler ran; a released message ignores that ack.
          { ack: () => undefined, release: () => delivery.release?.() },
          delivery.rawPayload?.(),
        ),
      reply: (request, result) => connection.reply(request.replyTo as string, { requestId: request.id, result }),
    };
  }

  /** The transport connection; only valid once started. */
  connected(): TransportConnection {
    if (this.connection === undefined) throw new BusClosedError('The message bus has not started');
    return this.connection;
  }

  private whenRunning<T>(action: () => Promise<T>): Promise<T> {
    if (this.state === 'closed') return Promise.reject(new BusClosedError('The message bus is closed'));
    return this.running.then(action);
  }

  private envelope(
    kind: MessageKind,
    topicOrMessage: string | object,
    payload: unknown,
    options: PublishOptions | undefined,
    id?: string,
  ): Envelope {
    const envelope = buildEnvelope(kind, topicOrMessage, payload, options, this.options.retry.maxAttempts, id);
    this.instrumentation.tracer?.publishing(envelope);
    return envelope;
  }

  private published(envelope: Envelope, routed: number): Promise<void> {
    if (routed === 0) {
      if (envelope.kind === 'command') return Promise.reject(new NoHandlerError(envelope.topic));
      this.counters.unrouted += 1;
    }
    this.accepted(envelope, routed);
    return RESOLVED;
  }

  private requested(envelope: Envelope, routed: number): void {
    if (routed === 0) {
      const what = envelope.kind === 'query' ? 'query' : 'command';
      this.replies.settle({ requestId: envelope.id, result: failure('NO_HANDLER', `No handler for ${what} "${envelope.topic}"`) });
      return;
    }
    this.accepted(envelope, routed);
  }

  /** Counts a message the transport took, and tells whoever watches. */
  private accepted(envelope: Envelope, routed: number): void {
    this.counters.published += 1;
    this.instrumentation.metrics?.published(envelope, routed);
    for (const observer of this.observers) observer(envelope);
  }
}


function asQueryResult<R>(result: QueryResult<unknown>): QueryResult<R> {
  return result as QueryResult<R>;
}

function withCommandId<R>(result: QueryResult<unknown>, commandId: string): CommandResult<R> {
  return result.ok
    ? { ok: true, data: result.data as R, commandId }
    : { ok: false, error: result.error, commandId };
}
