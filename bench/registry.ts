import type { PeerId } from './peers/peers.js';
import type { Backpressure, EventHandlerVariant, EventWorkload } from './peers/peer.js';
import { codecScenario } from './scenarios/codec.scenario.js';
import { floodScenario } from './scenarios/flood.scenario.js';
import { oneWayScenario } from './scenarios/one-way.scenario.js';
import { outboxScenario } from './scenarios/outbox.scenario.js';
import { latencyScenario, throughputScenario } from './scenarios/round-trip.scenario.js';
import type { Scenario } from './scenarios/scenario.js';

/** The headline memory scenarios run with default options, with `metrics: false`, and on cqrs. */
const MEMORY: readonly PeerId[] = ['bus-memory', 'bus-memory-nometrics', 'cqrs'];
const PATTERNS = 1_000;
/** Broker round trips are slower: twice the time, for a comparable number of samples. */
const BROKER_BUDGET_SCALE = 2;
const BROKER_WINDOW = 1_000;
const OUTBOX_WRITERS = 8;
export const FLOOD_MESSAGES = Number(process.env.BENCH_FLOOD_MESSAGES ?? 1_000_000);

interface EventsOptions {
  handlers?: number;
  window?: number;
  noise?: number;
  topics?: EventWorkload['topics'];
  variant?: EventHandlerVariant;
  peers?: readonly PeerId[];
}

/** In-memory events: nothing to confirm, the process busy all the time. */
const events = (id: string, { handlers = 1, window = 1000, noise = 0, topics = 'fixed', variant = 'plain', peers = MEMORY }: EventsOptions) =>
  oneWayScenario({ id, peers, window, confirmed: false, cpuBound: true, messages: { kind: 'events', workload: { handlers, noise, topics, variant } } });

const sends = (id: string, idempotent: boolean, prefill?: number) =>
  oneWayScenario({ id, peers: ['bus-memory'], window: 1000, confirmed: false, cpuBound: true, prefill, messages: { kind: 'sends', workload: { idempotent } } });
// The in-process idempotency store keeps at most 100,000 keys (its default); a server that ran a
// while has it full, and every new key evicts one. Measured in that state: after this many sends.
const IDEMPOTENCY_PREFILL = 110_000;

/** Events, sends and requests on one broker: nestjs-message-bus, the raw client, the peer library. */
function brokerScenarios(broker: 'redis' | 'amqp' | 'nats', peers: readonly PeerId[]): Scenario[] {
  const common = { peers, window: BROKER_WINDOW, confirmed: true, cpuBound: false, budgetScale: BROKER_BUDGET_SCALE };
  return [
    oneWayScenario({ id: `${broker}.events.w1000`, ...common, messages: { kind: 'events', workload: { handlers: 1, noise: 0, topics: 'fixed', variant: 'plain' } } }),
    oneWayScenario({ id: `${broker}.send.w1000`, ...common, messages: { kind: 'sends', workload: { idempotent: false } } }),
    latencyScenario({ id: `${broker}.request`, kind: 'queries', peers, cpuBound: false, budgetScale: BROKER_BUDGET_SCALE }),
  ];
}

/** Realtime (pub/sub) against durable (streams) delivery of events on Redis, on nestjs-message-bus alone. */
function deliveryScenarios(): Scenario[] {
  const common = { peers: ['bus-redis'] as const, cpuBound: false, budgetScale: BROKER_BUDGET_SCALE };
  const workload = (variant: EventHandlerVariant) => ({ handlers: 1, noise: 0, topics: 'fixed' as const, variant });
  return (['plain', 'realtime'] as const).flatMap((variant) => {
    const mode = variant === 'plain' ? 'durable' : 'realtime';
    return [
      latencyScenario({ id: `redis.delivery.${mode}.latency`, kind: { events: workload(variant) }, ...common }),
      oneWayScenario({ id: `redis.delivery.${mode}.w1000`, window: BROKER_WINDOW, confirmed: true, messages: { kind: 'events', workload: workload(variant) }, ...common }),
    ];
  });
}

const flood = (backpressure: Backpressure) => floodScenario({ id: `flood.${backpressure}`, peers: ['bus-memory'], backpressure, messages: FLOOD_MESSAGES });

/** Every measurement, in run order. Ids are stable: they key the results JSON. */
export const SCENARIOS: readonly Scenario[] = [
  events('events.h1.w100', { window: 100 }),
  events('events.h1.w1000', {}),
  events('events.h10.w100', { handlers: 10, window: 100 }),
  events('events.h10.w1000', { handlers: 10 }),
  throughputScenario({ id: 'execute.inflight1', kind: 'commands', inFlight: 1, peers: MEMORY, cpuBound: true }),
  throughputScenario({ id: 'execute.inflight100', kind: 'commands', inFlight: 100, peers: MEMORY, cpuBound: true }),
  latencyScenario({ id: 'request.sequential', kind: 'queries', peers: MEMORY, cpuBound: true }),
  events('patterns.1000.fixed', { noise: PATTERNS - 1, peers: ['bus-memory', 'cqrs'] }),
  // cqrs routes by class: a topic per event has no counterpart there.
  events('patterns.1.distinct', { topics: 'distinct', peers: ['bus-memory'] }),
  events('patterns.1000.distinct', { noise: PATTERNS - 1, topics: 'distinct', peers: ['bus-memory'] }),
  // Flow-control and pipeline costs: the same shape as events.h1.w1000, one feature on.
  events('cost.events.intercepted', { variant: 'intercepted', peers: ['bus-memory'] }),
  events('cost.events.batched', { variant: 'batched', peers: ['bus-memory'] }),
  events('cost.events.breaker', { variant: 'breaker', peers: ['bus-memory'] }),
  sends('cost.send', false),
  sends('cost.send.idempotent', true, IDEMPOTENCY_PREFILL),
  ...brokerScenarios('redis', ['bus-redis', 'ioredis', 'bullmq']),
  ...deliveryScenarios(),
  ...brokerScenarios('amqp', ['bus-amqp', 'amqplib', 'golevelup']),
  ...brokerScenarios('nats', ['bus-nats', 'nats']),
  // Transactions on PostgreSQL through the outbox and its relay, against bus.publish after the commit.
  ...(['redis', 'amqp'] as const).map((broker) =>
    outboxScenario({ id: `outbox.${broker}`, peers: [`bus-${broker}`], writers: OUTBOX_WRITERS, budgetScale: BROKER_BUDGET_SCALE }),
  ),
  ...(['json', 'msgpack', 'protobuf'] as const).flatMap((codec) => [codecScenario(codec, 1024), codecScenario(codec, 32 * 1024)]),
  flood('block'),
  flood('reject-new'),
  flood('drop-oldest'),
  flood('adaptive'),
];

export function scenarioById(id: string): Scenario {
  const scenario = SCENARIOS.find((candidate) => candidate.id === id);
  if (!scenario) throw new Error(`unknown scenario "${id}"`);
  return scenario;
}
