import { assertInteger } from '../primitives/assert-integer.js';
import { DuplicateHandlerError, InvalidHandlerError, InvalidOptionsError } from '../messages/errors.js';
import { BusHeaders, DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY, bindingKey, type Envelope, type MessageKind } from '../messages/envelope.js';
import { assertPattern, hasWildcard } from '../routing/topic.js';
import { TopicTrie } from '../routing/topic-trie.js';
import type { Binding, GroupSubscription } from '../transports/contract/transport.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import { byPriority, RegisteredHandler, type Batching, type HandlerSpec, type IdempotencyKey } from './handler.js';
import { mergeRetryPolicy, type RetryPolicy } from './retry-policy.js';

const NONE: readonly RegisteredHandler[] = Object.freeze([]);

type KindTries = Record<MessageKind, TopicTrie<RegisteredHandler>>;

/** Module-wide defaults a handler's own options override. */
export interface HandlerDefaults {
  retry: Readonly<Required<RetryPolicy>>;
  circuitBreaker?: CircuitBreakerOptions;
  timeoutMs?: number;
}

const byMessageId: IdempotencyKey = (_payload, context) => context.envelope.id;

class GroupHandlers {
  readonly tries: KindTries = {
    event: new TopicTrie(byPriority),
    command: new TopicTrie(byPriority),
    query: new TopicTrie(byPriority),
  };
  // How many handlers need each binding; a binding is made on the first and dropped after the last.
  readonly bindings = new Map<string, { binding: Binding; handlers: number }>();

  constructor(
    readonly exclusive: boolean,
    readonly realtime = false,
  ) {}
}

/** Called when a group gains its first handler for a binding or loses its last. */
export type BindingListener = (group: string, binding: Binding, bound: boolean) => void;

/**
 * Every handler of one bus instance, indexed by consumer group, kind and pattern, plus the
 * handlers of open sessions indexed by session id.
 */
export class HandlerRegistry {
  private readonly groups = new Map<string, GroupHandlers>();
  private readonly owners = new Map<string, RegisteredHandler>();
  private readonly sessions = new Map<string, TopicTrie<RegisteredHandler>>();
  private readonly byId = new Map<string, RegisteredHandler>();
  private seq = 0;
  private bindingListener?: BindingListener;

  constructor(
    private readonly serviceName: string,
    /** The exclusive group of this instance: broadcast and session handlers. */
    readonly instanceGroup: string,
    private readonly defaults: HandlerDefaults,
  ) {
    this.groups.set(instanceGroup, new GroupHandlers(true));
    this.realtimeGroup = `${instanceGroup}.realtime`;
  }

  /** The group of this instance's `delivery: 'realtime'` handlers, made with the first of them. */
  readonly realtimeGroup: string;

  /** Reports binding changes from now on (the transport must follow them once consuming). */
  onBindingChange(listener: BindingListener): void {
    this.bindingListener = listener;
  }

  add(spec: HandlerSpec): RegisteredHandler {
    const handler = this.resolve(spec);
    const owned = handler.kind === 'event' ? [] : handler.patterns.map((pattern) => bindingKey({ kind: handler.kind, pattern }));
    for (const key of owned) {
      const existing = this.owners.get(key);
      if (existing) throw new DuplicateHandlerError(key.slice(handler.kind.length + 1), existing.id, handler.id);
    }
    for (const key of owned) this.owners.set(key, handler);
    this.byId.set(handler.id, handler);
    const tries = handler.sessionId === undefined ? this.group(handler).tries : undefined;
    for (const pattern of handler.patterns) {
      if (tries) tries[handler.kind].add(pattern, handler);
      else this.sessionTrie(handler.sessionId as string).add(pattern, handler);
      this.retain(handler.group, { kind: handler.kind, pattern });
    }
    return handler;
  }

  remove(handler: RegisteredHandler): void {
    if (!this.byId.delete(handler.id)) return;
    for (const pattern of handler.patterns) {
      if (handler.sessionId === undefined) {
        this.groups.get(handler.group)?.tries[handler.kind].remove(pattern, handler);
        if (handler.kind !== 'event') this.owners.delete(bindingKey({ kind: handler.kind, pattern }));
      } else {
        const trie = this.sessions.get(handler.sessionId);
        trie?.remove(pattern, handler);
        if (trie?.size === 0) this.sessions.delete(handler.sessionId);
      }
      this.release(handler.group, { kind: handler.kind, pattern });
    }
  }

  /** The groups to consume and their bindings. */
  subscriptions(): GroupSubscription[] {
    return [...this.groups].map(([group, handlers]) => ({
      group,
      exclusive: handlers.exclusive,
      ...(handlers.realtime && { realtime: true }),
      bindings: [...handlers.bindings.values()].map((entry) => entry.binding),
    }));
  }

  /** The handlers of `group` that take this message, in the order they run. */
  handlersFor(group: string, envelope: Envelope): readonly RegisteredHandler[] {
    let handlers = this.groups.get(group)?.tries[envelope.kind].match(envelope.topic) ?? NONE;
    if (envelope.sessionId !== undefined && group === this.instanceGroup && envelope.kind === 'event') {
      const session = this.sessions.get(envelope.sessionId)?.match(envelope.topic);
      if (session?.length) handlers = [...handlers, ...session].sort(byPriority);
    }
    const target = envelope.headers[BusHeaders.targetHandler];
    return target === undefined ? handlers : handlers.filter((handler) => handler.id === target);
  }

  /** Sessions with at least one handler. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** All handlers in registration order, for introspection. */
  list(): RegisteredHandler[] {
    return [...this.byId.values()];
  }

  private resolve(spec: HandlerSpec): RegisteredHandler {
    const { options } = spec;
    if (spec.patterns.length === 0) throw new InvalidHandlerError(`${spec.id} declares no topic`);
    for (const pattern of spec.patterns) {
      assertPattern(pattern);
      if (spec.kind !== 'event' && hasWildcard(pattern)) {
        throw new InvalidHandlerError(
          `${spec.id}: a ${spec.kind} handler needs an exact topic, not the pattern "${pattern}"`,
        );
      }
    }
    if (options.broadcast && spec.kind !== 'event') {
      throw new InvalidHandlerError(`${spec.id}: only event handlers can be broadcast`);
    }
    const realtime = options.delivery === 'realtime';
    if (options.delivery !== undefined && options.delivery !== 'durable' && !realtime) {
      throw new InvalidHandlerError(`${spec.id}: delivery must be 'durable' or 'realtime', got ${JSON.stringify(options.delivery)}`);
    }
    if (realtime && (spec.kind !== 'event' || spec.sessionId !== undefined)) {
      throw new InvalidHandlerError(`${spec.id}: only event handlers can take realtime delivery`);
    }
    const priority = options.priority ?? DEFAULT_PRIORITY;
    assertInteger(`${spec.id} priority`, priority, MIN_PRIORITY, MAX_PRIORITY);
    if (options.concurrency !== undefined) assertInteger(`${spec.id} concurrency`, options.concurrency, 1);
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs;
    if (timeoutMs !== undefined) assertInteger(`${spec.id} timeoutMs`, timeoutMs, 1);
    if (options.retry?.maxAttempts !== undefined) {
      assertInteger(`${spec.id} retry.maxAttempts`, options.retry.maxAttempts, 1);
    }
    const circuitBreaker = options.circuitBreaker ?? this.defaults.circuitBreaker;
    if (circuitBreaker) {
      assertInteger(`${spec.id} circuitBreaker.failureThreshold`, circuitBreaker.failureThreshold, 1);
      assertInteger(`${spec.id} circuitBreaker.resetTimeoutMs`, circuitBreaker.resetTimeoutMs, 1);
      assertInteger(`${spec.id} circuitBreaker.successThreshold`, circuitBreaker.successThreshold ?? 1, 1);
    }
    let batch: Batching | undefined;
    if (options.batch) {
      if (spec.kind !== 'event') throw new InvalidHandlerError(`${spec.id}: only event handlers can take batches`);
      if (spec.invokeBatch === undefined) throw new InvalidHandlerError(`${spec.id}: this handler cannot take batches`);
      const { size, waitMs } = options.batch;
      assertInteger(`${spec.id} batch.size`, size, 1);
      assertInteger(`${spec.id} batch.waitMs`, waitMs, 0);
      batch = { size, waitMs, invoke: spec.invokeBatch };
    }
    const { idempotent } = options;
    if (idempotent !== undefined && typeof idempotent !== 'boolean' && typeof idempotent !== 'function') {
      throw new InvalidOptionsError(`${spec.id} idempotent must be true or a key function`);
    }
    const group = realtime
      ? this.realtimeGroup
      : spec.sessionId !== undefined || options.broadcast
        ? this.instanceGroup
        : (options.group ?? this.serviceName);
    return new RegisteredHandler(
      this.uniqueId(spec.id),
      spec.kind,
      [...new Set(spec.patterns)],
      group,
      priority,
      this.seq++,
      {
        retry: mergeRetryPolicy(this.defaults.retry, options.retry),
        // Realtime messages are delivered at most once: a failure is final.
        maxAttempts: realtime ? 1 : options.retry?.maxAttempts,
        timeoutMs,
        concurrency: options.concurrency,
        circuitBreaker,
        batch,
        idempotencyKey: idempotent === true ? byMessageId : idempotent || undefined,
      },
      spec.invoke,
      spec.payloadType,
      spec.sessionId,
    );
  }

  // The same class provided in two modules yields two handlers; retries must name exactly one.
  private uniqueId(id: string): string {
    let unique = id;
    for (let n = 2; this.byId.has(unique); n++) unique = `${id}#${n}`;
    return unique;
  }

  private group(handler: RegisteredHandler): GroupHandlers {
    let group = this.groups.get(handler.group);
    if (!group) {
      const realtime = handler.group === this.realtimeGroup;
      this.groups.set(handler.group, (group = new GroupHandlers(realtime, realtime)));
    }
    return group;
  }

  private sessionTrie(sessionId: string): TopicTrie<RegisteredHandler> {
    let trie = this.sessions.get(sessionId);
    if (!trie) this.sessions.set(sessionId, (trie = new TopicTrie(byPriority)));
    return trie;
  }

  private retain(group: string, binding: Binding): void {
    const bindings = (this.groups.get(group) as GroupHandlers).bindings;
    const key = bindingKey(binding);
    const entry = bindings.get(key);
    if (entry) {
      entry.handlers += 1;
      return;
    }
    bindings.set(key, { binding, handlers: 1 });
    this.bindingListener?.(group, binding, true);
  }

  private release(group: string, binding: Binding): void {
    const bindings = this.groups.get(group)?.bindings;
    const key = bindingKey(binding);
    const entry = bindings?.get(key);
    if (!bindings || !entry) return;
    entry.handlers -= 1;
    if (entry.handlers > 0) return;
    bindings.delete(key);
    this.bindingListener?.(group, binding, false);
  }
}
