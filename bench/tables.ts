import type { PeerId } from './peers/peers.js';
import { FLOOD_MESSAGES } from './registry.js';
import { DRAIN_ROWS } from './scenarios/outbox.scenario.js';
import type { CostRow, FloodRow, MetricRef, Row, Table, Target, Unit } from './report.js';

const ref = (scenario: string, metric: string): MetricRef => ({ scenario, metric });
const row = (label: string, unit: Unit, value: MetricRef, target?: Target, subject?: PeerId): Row => ({ label, unit, value, target, subject });
const costRatio = (label: string, many: string, one: string): Row => ({
  label,
  unit: 'ratio',
  value: { ratio: [ref(many, 'nsPerMessage'), ref(one, 'nsPerMessage')] },
  target: { max: 1.5 },
});

const EVENTS_TARGET: Target = { speedup: 3, min: 1_000_000 };

/** The headline memory rows, measured on `subject` (default options, or `metrics: false`). */
function headline(subject: PeerId, suffix: string): Row[] {
  const on = (label: string, unit: Unit, value: MetricRef, target?: Target) => row(`${label}${suffix}`, unit, value, target, subject);
  return [
    on('events/s publish→handled, 1 handler, W=100', 'perSecond', ref('events.h1.w100', 'perSecond'), EVENTS_TARGET),
    on('events/s publish→handled, 1 handler, W=1000', 'perSecond', ref('events.h1.w1000', 'perSecond'), EVENTS_TARGET),
    on('events/s publish→handled, 10 handlers, W=100', 'perSecond', ref('events.h10.w100', 'perSecond'), { speedup: 3 }),
    on('events/s publish→handled, 10 handlers, W=1000', 'perSecond', ref('events.h10.w1000', 'perSecond'), { speedup: 3 }),
    on('commands/s execute, 1 in flight', 'perSecond', ref('execute.inflight1', 'perSecond')),
    on('commands/s execute, 100 in flight', 'perSecond', ref('execute.inflight100', 'perSecond'), { speedup: 3 }),
    on('request round trip p50 (cqrs: QueryBus.execute)', 'us', ref('request.sequential', 'p50Us'), { max: 20 }),
    on('request round trip p99 (cqrs: QueryBus.execute)', 'us', ref('request.sequential', 'p99Us'), { max: 100 }),
  ];
}

/** The three broker scenarios of `broker` (see registry.ts). */
function brokerRows(broker: 'redis' | 'amqp' | 'nats', publish: string): Row[] {
  return [
    row(`events/s publish→handled, 1 handler, W=1000 ${publish}`, 'perSecond', ref(`${broker}.events.w1000`, 'perSecond')),
    row(`commands/s send→handled, W=1000 ${publish}`, 'perSecond', ref(`${broker}.send.w1000`, 'perSecond')),
    row('request round trip p50', 'us', ref(`${broker}.request`, 'p50Us')),
    row('request round trip p99', 'us', ref(`${broker}.request`, 'p99Us')),
    row('requests/s, one caller', 'perSecond', ref(`${broker}.request`, 'perSecond')),
  ];
}

const on = (scenario: string, peer: PeerId = 'bus-memory') => ({ scenario, metric: 'perSecond', peer });
const cost = (label: string, where: string, without: CostRow['without'], withIt: CostRow['with']): CostRow => ({ label, on: where, without, with: withIt });

const COSTS: CostRow[] = [
  cost('metrics (default on vs `metrics: false`)', 'events, 1 handler, W=1000', on('events.h1.w1000', 'bus-memory-nometrics'), on('events.h1.w1000')),
  cost('metrics (default on vs `metrics: false`)', 'execute, 100 in flight', on('execute.inflight100', 'bus-memory-nometrics'), on('execute.inflight100')),
  cost('metrics (default on vs `metrics: false`)', 'request, one caller', on('request.sequential', 'bus-memory-nometrics'), on('request.sequential')),
  cost('Nest pipeline: one pass-through interceptor', 'events, 1 handler, W=1000', on('events.h1.w1000'), on('cost.events.intercepted')),
  cost('batching `{ size: 100, waitMs: 5 }`', 'events, 1 handler, W=1000', on('events.h1.w1000'), on('cost.events.batched')),
  cost('circuit breaker, handler never fails', 'events, 1 handler, W=1000', on('events.h1.w1000'), on('cost.events.breaker')),
  cost('`idempotent: true` (in-process store, full: after 110,000 sends)', 'send, 1 command handler, W=1000', on('cost.send'), on('cost.send.idempotent')),
];

const floodRow = (strategy: FloodRow['strategy'], publisher: string): FloodRow => ({ strategy, publisher, scenario: `flood.${strategy}`, peer: 'bus-memory' });

/** What is printed, with the issues' targets. The 1-pattern case of the pattern rows is `events.h1.w1000`. */
export const TABLES: readonly Table[] = [
  {
    kind: 'comparison',
    title: 'In memory: nestjs-message-bus vs @nestjs/cqrs',
    subject: 'bus-memory',
    peer: 'cqrs',
    rows: [
      ...headline('bus-memory', ''),
      ...headline('bus-memory-nometrics', ' [metrics: false]'),
      row('publish→handled ns/event, 1 pattern (W=1000)', 'ns', ref('events.h1.w1000', 'nsPerMessage')),
      row('publish→handled ns/event, 1,000 patterns (W=1000)', 'ns', ref('patterns.1000.fixed', 'nsPerMessage')),
      costRatio('cost ratio 1,000 / 1 patterns', 'patterns.1000.fixed', 'events.h1.w1000'),
      row('ns/event, 1 pattern, a new topic per event', 'ns', ref('patterns.1.distinct', 'nsPerMessage')),
      row('ns/event, 1,000 patterns, a new topic per event', 'ns', ref('patterns.1000.distinct', 'nsPerMessage')),
      costRatio('cost ratio 1,000 / 1 patterns, new topic per event', 'patterns.1000.distinct', 'patterns.1.distinct'),
    ],
  },
  {
    kind: 'comparison',
    title: 'Redis: nestjs-message-bus vs raw ioredis (streams) vs BullMQ',
    subject: 'bus-redis',
    raw: 'ioredis',
    peer: 'bullmq',
    rows: brokerRows('redis', '(publish resolved: stored)'),
  },
  {
    kind: 'comparison',
    title: 'RabbitMQ: nestjs-message-bus vs raw amqplib vs @golevelup/nestjs-rabbitmq',
    subject: 'bus-amqp',
    raw: 'amqplib',
    peer: 'golevelup',
    rows: brokerRows('amqp', '(publisher confirms)'),
  },
  {
    kind: 'comparison',
    title: 'NATS JetStream: nestjs-message-bus vs the raw nats client (publish with ack, pull consumer, explicit ack)',
    subject: 'bus-nats',
    raw: 'nats',
    rows: [
      row('events/s publish→handled, 1 handler, W=1000 (JetStream ack)', 'perSecond', ref('nats.events.w1000', 'perSecond'), { speedup: 0.7 }),
      row('commands/s send→handled, W=1000 (JetStream ack)', 'perSecond', ref('nats.send.w1000', 'perSecond'), { speedup: 0.7 }),
      // p50 at most 1.3x the raw client's: a speed-up of at least 1 / 1.3.
      row('request round trip p50', 'us', ref('nats.request', 'p50Us'), { speedup: 0.77 }),
      row('request round trip p99', 'us', ref('nats.request', 'p99Us')),
      row('requests/s, one caller', 'perSecond', ref('nats.request', 'perSecond')),
    ],
  },
  {
    kind: 'comparison',
    title: 'Codecs: encode + screen + decode per message (no transport)',
    subject: 'bus-memory',
    rows: (['json', 'msgpack', 'protobuf'] as const).flatMap((codec) =>
      ['1k', '32k'].flatMap((size) => [
        row(`${codec}, ${size.toUpperCase().replace('K', ' KB')} record: ns/message`, 'ns', ref(`codec.${codec}.${size}`, 'nsPerMessage')),
      ]),
    ),
  },
  {
    kind: 'comparison',
    title: 'Redis: realtime (pub/sub) vs durable (streams) events, publish→handled',
    subject: 'bus-redis',
    rows: (['durable', 'realtime'] as const).flatMap((mode) => [
      row(`${mode}: p50, one publisher awaiting each`, 'us', ref(`redis.delivery.${mode}.latency`, 'p50Us')),
      row(`${mode}: p99, one publisher awaiting each`, 'us', ref(`redis.delivery.${mode}.latency`, 'p99Us')),
      row(`${mode}: events/s, W=1000`, 'perSecond', ref(`redis.delivery.${mode}.w1000`, 'perSecond')),
    ]),
  },
  {
    kind: 'comparison',
    title: 'Outbox on PostgreSQL: 8 writers committing one event per transaction, relay → transport → handler (direct: bus.publish after the commit)',
    subject: 'bus-redis',
    rows: (['redis', 'amqp'] as const).flatMap((broker) => {
      const subject: PeerId = `bus-${broker}`;
      const on = (label: string, unit: Unit, metric: string) => row(`${broker}: ${label}`, unit, ref(`outbox.${broker}`, metric), undefined, subject);
      return [
        on(`relay drain events/s (${DRAIN_ROWS.toLocaleString('en-US')} rows committed at once)`, 'perSecond', 'relayPerSecond'),
        on('outbox events/s commit→handled', 'perSecond', 'perSecond'),
        on('outbox commit→handled p50', 'us', 'p50Us'),
        on('outbox commit→handled p99', 'us', 'p99Us'),
        on('direct events/s commit→handled', 'perSecond', 'directPerSecond'),
        on('direct commit→handled p50', 'us', 'directP50Us'),
        on('direct commit→handled p99', 'us', 'directP99Us'),
      ];
    }),
  },
  { kind: 'costs', title: 'Costs of features (in memory, nestjs-message-bus)', rows: COSTS },
  {
    kind: 'flood',
    title: `Flood: ${FLOOD_MESSAGES.toLocaleString('en-US')} events into a slow handler (in memory; concurrency 10, maxQueueSize 10,000)`,
    rows: [
      floodRow('block', 'awaits each publish'),
      floodRow('adaptive', 'awaits each publish'),
      floodRow('reject-new', 'does not await'),
      floodRow('drop-oldest', 'does not await'),
    ],
  },
];
