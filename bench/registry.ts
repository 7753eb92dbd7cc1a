import type { PeerId } from './peers/peers.js';
import type { Table } from './report.js';
import { eventsScenario } from './scenarios/events.scenario.js';
import { latencyScenario, throughputScenario } from './scenarios/round-trip.scenario.js';
import type { Scenario } from './scenarios/scenario.js';

const MEMORY: readonly PeerId[] = ['bus-memory', 'cqrs'];
const PATTERNS = 1_000;

/** Every measurement, in run order. Ids are stable: they key the results JSON. */
export const SCENARIOS: readonly Scenario[] = [
  eventsScenario({ id: 'events.h1.w100', handlers: 1, window: 100, noise: 0, topics: 'fixed', peers: MEMORY }),
  eventsScenario({ id: 'events.h1.w1000', handlers: 1, window: 1000, noise: 0, topics: 'fixed', peers: MEMORY }),
  eventsScenario({ id: 'events.h10.w100', handlers: 10, window: 100, noise: 0, topics: 'fixed', peers: MEMORY }),
  eventsScenario({ id: 'events.h10.w1000', handlers: 10, window: 1000, noise: 0, topics: 'fixed', peers: MEMORY }),
  throughputScenario({ id: 'execute.inflight1', kind: 'commands', inFlight: 1, peers: MEMORY }),
  throughputScenario({ id: 'execute.inflight100', kind: 'commands', inFlight: 100, peers: MEMORY }),
  latencyScenario({ id: 'request.sequential', kind: 'queries', peers: MEMORY }),
  eventsScenario({ id: 'patterns.1000.fixed', handlers: 1, window: 1000, noise: PATTERNS - 1, topics: 'fixed', peers: MEMORY }),
  eventsScenario({ id: 'patterns.1.distinct', handlers: 1, window: 1000, noise: 0, topics: 'distinct', peers: ['bus-memory'] }),
  eventsScenario({ id: 'patterns.1000.distinct', handlers: 1, window: 1000, noise: PATTERNS - 1, topics: 'distinct', peers: ['bus-memory'] }),
];

const eventsTarget = { speedup: 3, min: 1_000_000 };

/** What is printed, with the targets. Pattern rows reuse `events.h1.w1000` as the 1-pattern case. */
export const TABLES: readonly Table[] = [
  {
    title: 'In-memory transport vs @nestjs/cqrs',
    subject: 'bus-memory',
    peer: 'cqrs',
    rows: [
      { label: 'events/s publish→handled, 1 handler, W=100', unit: 'perSecond', value: { scenario: 'events.h1.w100', metric: 'eventsPerSecond' }, target: eventsTarget },
      { label: 'events/s publish→handled, 1 handler, W=1000', unit: 'perSecond', value: { scenario: 'events.h1.w1000', metric: 'eventsPerSecond' }, target: eventsTarget },
      { label: 'events/s publish→handled, 10 handlers, W=100', unit: 'perSecond', value: { scenario: 'events.h10.w100', metric: 'eventsPerSecond' }, target: { speedup: 3 } },
      { label: 'events/s publish→handled, 10 handlers, W=1000', unit: 'perSecond', value: { scenario: 'events.h10.w1000', metric: 'eventsPerSecond' }, target: { speedup: 3 } },
      { label: 'commands/s execute, 1 in flight', unit: 'perSecond', value: { scenario: 'execute.inflight1', metric: 'perSecond' } },
      { label: 'commands/s execute, 100 in flight', unit: 'perSecond', value: { scenario: 'execute.inflight100', metric: 'perSecond' }, target: { speedup: 3 } },
      { label: 'request round trip p50 (cqrs: QueryBus.execute)', unit: 'us', value: { scenario: 'request.sequential', metric: 'p50Us' }, target: { max: 20 } },
      { label: 'request round trip p99 (cqrs: QueryBus.execute)', unit: 'us', value: { scenario: 'request.sequential', metric: 'p99Us' }, target: { max: 100 } },
      { label: 'publish→handled ns/event, 1 pattern (W=1000)', unit: 'ns', value: { scenario: 'events.h1.w1000', metric: 'nsPerEvent' } },
      { label: 'publish→handled ns/event, 1,000 patterns (W=1000)', unit: 'ns', value: { scenario: 'patterns.1000.fixed', metric: 'nsPerEvent' } },
      {
        label: 'cost ratio 1,000 / 1 patterns',
        unit: 'ratio',
        value: { ratio: [{ scenario: 'patterns.1000.fixed', metric: 'nsPerEvent' }, { scenario: 'events.h1.w1000', metric: 'nsPerEvent' }] },
        target: { max: 1.5 },
      },
      { label: 'ns/event, 1 pattern, a new topic per event', unit: 'ns', value: { scenario: 'patterns.1.distinct', metric: 'nsPerEvent' } },
      { label: 'ns/event, 1,000 patterns, a new topic per event', unit: 'ns', value: { scenario: 'patterns.1000.distinct', metric: 'nsPerEvent' } },
      {
        label: 'cost ratio 1,000 / 1 patterns, new topic per event',
        unit: 'ratio',
        value: { ratio: [{ scenario: 'patterns.1000.distinct', metric: 'nsPerEvent' }, { scenario: 'patterns.1.distinct', metric: 'nsPerEvent' }] },
        target: { max: 1.5 },
      },
    ],
  },
];

export function scenarioById(id: string): Scenario {
  const scenario = SCENARIOS.find((candidate) => candidate.id === id);
  if (!scenario) throw new Error(`unknown scenario "${id}"`);
  return scenario;
}
