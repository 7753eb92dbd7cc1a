import type { PeerId } from './peers/peers.js';
import type { MetricRef, Row, Table, Target, Unit } from './report.js';
import { eventsScenario } from './scenarios/events.scenario.js';
import { latencyScenario, throughputScenario } from './scenarios/round-trip.scenario.js';
import type { Scenario } from './scenarios/scenario.js';

const MEMORY: readonly PeerId[] = ['bus-memory', 'cqrs'];
const PATTERNS = 1_000;

const events = (id: string, handlers: number, window: number, noise = 0, topics: 'fixed' | 'distinct' = 'fixed', peers = MEMORY) =>
  eventsScenario({ id, handlers, window, noise, topics, peers });

/** Every measurement, in run order. Ids are stable: they key the results JSON. */
export const SCENARIOS: readonly Scenario[] = [
  events('events.h1.w100', 1, 100),
  events('events.h1.w1000', 1, 1000),
  events('events.h10.w100', 10, 100),
  events('events.h10.w1000', 10, 1000),
  throughputScenario({ id: 'execute.inflight1', kind: 'commands', inFlight: 1, peers: MEMORY }),
  throughputScenario({ id: 'execute.inflight100', kind: 'commands', inFlight: 100, peers: MEMORY }),
  latencyScenario({ id: 'request.sequential', kind: 'queries', peers: MEMORY }),
  events('patterns.1000.fixed', 1, 1000, PATTERNS - 1),
  // cqrs routes by class: a topic per event has no counterpart there.
  events('patterns.1.distinct', 1, 1000, 0, 'distinct', ['bus-memory']),
  events('patterns.1000.distinct', 1, 1000, PATTERNS - 1, 'distinct', ['bus-memory']),
];

const ref = (scenario: string, metric: string): MetricRef => ({ scenario, metric });
const row = (label: string, unit: Unit, value: MetricRef, target?: Target): Row => ({ label, unit, value, target });
const costRatio = (label: string, many: string, one: string): Row => ({
  label,
  unit: 'ratio',
  value: { ratio: [ref(many, 'nsPerEvent'), ref(one, 'nsPerEvent')] },
  target: { max: 1.5 },
});

const EVENTS_TARGET: Target = { speedup: 3, min: 1_000_000 };

/** What is printed, with the targets. The 1-pattern case of the pattern rows is `events.h1.w1000`. */
export const TABLES: readonly Table[] = [
  {
    title: 'In-memory transport vs @nestjs/cqrs',
    subject: 'bus-memory',
    peer: 'cqrs',
    rows: [
      row('events/s publish→handled, 1 handler, W=100', 'perSecond', ref('events.h1.w100', 'eventsPerSecond'), EVENTS_TARGET),
      row('events/s publish→handled, 1 handler, W=1000', 'perSecond', ref('events.h1.w1000', 'eventsPerSecond'), EVENTS_TARGET),
      row('events/s publish→handled, 10 handlers, W=100', 'perSecond', ref('events.h10.w100', 'eventsPerSecond'), { speedup: 3 }),
      row('events/s publish→handled, 10 handlers, W=1000', 'perSecond', ref('events.h10.w1000', 'eventsPerSecond'), { speedup: 3 }),
      row('commands/s execute, 1 in flight', 'perSecond', ref('execute.inflight1', 'perSecond')),
      row('commands/s execute, 100 in flight', 'perSecond', ref('execute.inflight100', 'perSecond'), { speedup: 3 }),
      row('request round trip p50 (cqrs: QueryBus.execute)', 'us', ref('request.sequential', 'p50Us'), { max: 20 }),
      row('request round trip p99 (cqrs: QueryBus.execute)', 'us', ref('request.sequential', 'p99Us'), { max: 100 }),
      row('publish→handled ns/event, 1 pattern (W=1000)', 'ns', ref('events.h1.w1000', 'nsPerEvent')),
      row('publish→handled ns/event, 1,000 patterns (W=1000)', 'ns', ref('patterns.1000.fixed', 'nsPerEvent')),
      costRatio('cost ratio 1,000 / 1 patterns', 'patterns.1000.fixed', 'events.h1.w1000'),
      row('ns/event, 1 pattern, a new topic per event', 'ns', ref('patterns.1.distinct', 'nsPerEvent')),
      row('ns/event, 1,000 patterns, a new topic per event', 'ns', ref('patterns.1000.distinct', 'nsPerEvent')),
      costRatio('cost ratio 1,000 / 1 patterns, new topic per event', 'patterns.1000.distinct', 'patterns.1.distinct'),
    ],
  },
];

export function scenarioById(id: string): Scenario {
  const scenario = SCENARIOS.find((candidate) => candidate.id === id);
  if (!scenario) throw new Error(`unknown scenario "${id}"`);
  return scenario;
}
