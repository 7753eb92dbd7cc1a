import { Gauge, Registry } from 'prom-client';
import type { RegisteredHandler } from '../dispatch/handler.js';
import type { DeadLetterReason } from '../messages/dead-letter.js';
import { MESSAGE_KINDS, type Envelope, type MessageKind } from '../messages/envelope.js';
import type { MessageBus } from '../message-bus.js';
import { BoundedLabel } from './bounded-label.js';
import { collectedCounter, type Sample } from './collected-counter.js';
import { ExportedHistogram, type HistogramSeries } from './exported-histogram.js';
import { LiteHistogram } from './lite-histogram.js';

/** Where metrics go: a prom-client registry (default: one of the bus's own) and a name prefix. @publicApi */
export interface MetricsOptions {
  registry?: Registry;
  /** Default `bus_`. */
  prefix?: string;
}

const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;
const SECONDS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];
// Constant for the process; read once, as the getter costs a fifth of a clock read.
const TIME_ORIGIN = performance.timeOrigin;
// Distinct topics a publish-side metric keeps before folding the rest into `other`.
const TOPIC_LABEL_LIMIT = 500;

/** What one handler did, counted in plain numbers. */
class HandlerCounts {
  handled = 0;
  failed = 0;
  retried = 0;
  filtered = 0;
  duplicates = 0;
  readonly duration = new LiteHistogram(SECONDS);
  readonly latency = new LiteHistogram(SECONDS);

  constructor(readonly labels: { kind: MessageKind; pattern: string; handler: string }) {}

  /** Records a run that began at `startedAt`; with the envelope of a successful one, its latency too. */
  finished(startedAt: number, succeeded: Envelope | undefined): void {
    const endedAt = performance.now();
    this.duration.observe((endedAt - startedAt) / 1000);
    if (succeeded !== undefined) this.latency.observe((TIME_ORIGIN + endedAt - succeeded.timestamp) / 1000);
  }
}

type KindCounts = Record<MessageKind, number>;

/**
 * The bus's Prometheus metrics. Messages only bump plain numbers; prom-client reads them when
 * scraped, so metrics cost the hot path a few additions, not prom-client's label hashing.
 * @publicApi
 */
export class BusMetrics {
  readonly registry: Registry;
  /** What every metric name starts with (`bus_`). */
  readonly prefix: string;
  private readonly handlers = new Map<string, HandlerCounts>();
  private readonly byHandler = new WeakMap<RegisteredHandler, HandlerCounts>();
  private readonly publishedByTopic = new Map<string, KindCounts>();
  private readonly unroutedByTopic = new Map<string, KindCounts>();
  private readonly deadLetteredBy = new Map<string, Sample>();
  private readonly droppedByKind: KindCounts = { event: 0, command: 0, query: 0 };
  private readonly topics = new BoundedLabel(TOPIC_LABEL_LIMIT);
  // One-entry caches: a stream of messages mostly repeats its topic and handler, and a hit costs
  // one comparison instead of a Set, Map or WeakMap lookup per message.
  private lastTopic?: string;
  private lastPublished?: KindCounts;
  private lastHandler?: RegisteredHandler;
  private lastCounts?: HandlerCounts;

  /** @internal */
  static create(bus: MessageBus, options: MetricsOptions = {}): BusMetrics {
    return new BusMetrics(bus, options);
  }

  private constructor(bus: MessageBus, options: MetricsOptions) {
    const prefix = (this.prefix = options.prefix ?? 'bus_');
    const registers = [(this.registry = options.registry ?? new Registry())];
    const counter = (name: string, help: string, labelNames: string[], read: () => Iterable<Sample>) =>
      collectedCounter(registers, `${prefix}${name}`, help, labelNames, read);
    const perHandler = (field: 'handled' | 'failed' | 'retried' | 'filtered' | 'duplicates') => () =>
      [...this.handlers.values()].map((counts) => ({ labels: counts.labels, value: counts[field] }));
    const handlerLabels = ['kind', 'pattern', 'handler'];
    counter('messages_published_total', 'Messages accepted by publish, send, execute and request.', ['kind', 'topic'], () => byKindAndTopic(this.publishedByTopic));
    counter('messages_unrouted_total', 'Events published while no group was bound to their topic.', ['kind', 'topic'], () => byKindAndTopic(this.unroutedByTopic));
    counter('messages_handled_total', 'Handler runs that completed.', handlerLabels, perHandler('handled'));
    counter('messages_failed_total', 'Handler runs that threw or timed out.', handlerLabels, perHandler('failed'));
    counter('messages_retried_total', 'Retries scheduled.', handlerLabels, perHandler('retried'));
    counter('messages_filtered_total', 'Event handler runs a guard refused.', handlerLabels, perHandler('filtered'));
    counter('messages_duplicate_total', 'Redelivered messages an idempotent handler skipped.', handlerLabels, perHandler('duplicates'));
    counter('messages_dead_lettered_total', 'Messages sent to the dead letters.', ['kind', 'handler', 'reason'], () => this.deadLetteredBy.values());
    counter('messages_dropped_total', 'Events dropped by backpressure (drop-oldest).', ['kind'], () =>
      MESSAGE_KINDS.filter((kind) => this.droppedByKind[kind] > 0).map((kind) => ({ labels: { kind }, value: this.droppedByKind[kind] })),
    );
    const histogram = (name: string, help: string, pick: (counts: HandlerCounts) => LiteHistogram) =>
      new ExportedHistogram(
        { name: `${prefix}${name}`, help, labelNames: ['kind', 'handler'], buckets: SECONDS, registers },
        (): HistogramSeries[] =>
          [...this.handlers.values()].map((counts) => ({
            labels: { kind: counts.labels.kind, handler: counts.labels.handler },
            histogram: pick(counts),
          })),
      );
    histogram('handler_duration_seconds', 'Time a handler run took.', (counts) => counts.duration);
    histogram('end_to_end_latency_seconds', 'From publish to the end of a successful handler run.', (counts) => counts.latency);
    const gauge = (name: string, help: string, collect: (gauge: Gauge<string>) => void | Promise<void>, labelNames: string[] = []) =>
      new Gauge({ name: `${prefix}${name}`, help, labelNames, registers, collect() { return collect(this); } });
    gauge('queued', 'Messages waiting in this instance.', (g) => g.set(bus.getStats().queued));
    gauge('in_flight', 'Messages being handled now.', (g) => g.set(bus.getStats().inFlight));
    gauge('registered_handlers', 'Handlers registered on this instance.', (g) => g.set(bus.handlers().length));
    gauge('active_sessions', 'Sessions with handlers on this instance.', (g) =>
      g.set(new Set(bus.handlers().flatMap(({ sessionId }) => (sessionId === undefined ? [] : [sessionId]))).size),
    );
    gauge('dead_letters', 'Dead letters in the store.', async (g) => g.set(await bus.deadLetters.count()));
    gauge(
      'circuit_breaker_state',
      'Circuit breaker state per handler: 0 closed, 1 half-open, 2 open.',
      (g) => {
        g.reset();
        for (const [handler, state] of Object.entries(bus.getStats().circuits)) g.set({ handler }, CIRCUIT_VALUE[state]);
      },
      ['handler'],
    );
  }

  /** The metrics in Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** @internal */
  published(envelope: Envelope, routed: number): void {
    let published = this.lastPublished;
    if (envelope.topic !== this.lastTopic || published === undefined) {
      published = this.countsOf(this.publishedByTopic, this.topics.of(envelope.topic));
      this.lastTopic = envelope.topic;
      this.lastPublished = published;
    }
    published[envelope.kind] += 1;
    if (routed === 0) this.countsOf(this.unroutedByTopic, this.topics.of(envelope.topic))[envelope.kind] += 1;
  }

  /** @internal */
  handled(handler: RegisteredHandler): void {
    this.of(handler).handled += 1;
  }

  /** @internal */
  failed(handler: RegisteredHandler): void {
    this.of(handler).failed += 1;
  }

  /** @internal */
  retried(handler: RegisteredHandler): void {
    this.of(handler).retried += 1;
  }

  /** @internal */
  filtered(handler: RegisteredHandler): void {
    this.of(handler).filtered += 1;
  }

  /** @internal */
  duplicate(handler: RegisteredHandler): void {
    this.of(handler).duplicates += 1;
  }

  /** @internal */
  deadLettered(envelope: Envelope, reason: DeadLetterReason, handler?: RegisteredHandler): void {
    const labels = { kind: envelope.kind, handler: handler ? this.of(handler).labels.handler : '', reason };
    const key = `${labels.kind} ${labels.handler} ${reason}`;
    const entry = this.deadLetteredBy.get(key);
    if (entry === undefined) this.deadLetteredBy.set(key, { labels, value: 1 });
    else entry.value += 1;
  }

  /** @internal */
  dropped(envelope: Envelope): void {
    this.droppedByKind[envelope.kind] += 1;
  }

  /**
   * @internal Times one handler run: its duration, and on success the end-to-end latency from
   * publish. Both end at the same instant, so one clock read serves both (a read costs ~60 ns).
   */
  time(handler: RegisteredHandler, envelope: Envelope, run: () => unknown): unknown {
    const counts = this.of(handler);
    const startedAt = performance.now();
    let result: unknown;
    try {
      result = run();
    } catch (error) {
      counts.finished(startedAt, undefined);
      throw error;
    }
    if (result instanceof Promise) {
      result.then(
        () => counts.finished(startedAt, envelope),
        () => counts.finished(startedAt, undefined),
      );
    } else {
      counts.finished(startedAt, envelope);
    }
    return result;
  }

  private countsOf(byTopic: Map<string, KindCounts>, topic: string): KindCounts {
    let counts = byTopic.get(topic);
    if (counts === undefined) byTopic.set(topic, (counts = { event: 0, command: 0, query: 0 }));
    return counts;
  }

  private of(handler: RegisteredHandler): HandlerCounts {
    if (handler === this.lastHandler) return this.lastCounts as HandlerCounts;
    let counts = this.byHandler.get(handler);
    if (counts === undefined) {
      // Session handlers come and go with their sessions: one series for all of them.
      const id = handler.sessionId === undefined ? handler.id : 'session';
      counts = this.handlers.get(id);
      if (counts === undefined) {
        counts = new HandlerCounts({ kind: handler.kind, pattern: handler.sessionId === undefined ? handler.patterns.join(',') : '', handler: id });
        this.handlers.set(id, counts);
      }
      this.byHandler.set(handler, counts);
    }
    this.lastHandler = handler;
    this.lastCounts = counts;
    return counts;
  }
}

function byKindAndTopic(byTopic: Map<string, KindCounts>): Sample[] {
  const samples: Sample[] = [];
  for (const [topic, counts] of byTopic) {
    for (const kind of MESSAGE_KINDS) if (counts[kind] > 0) samples.push({ labels: { kind, topic }, value: counts[kind] });
  }
  return samples;
}
