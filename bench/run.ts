// Entry of `npm run bench`: runs every (scenario, peer, repetition) in a fresh child process,
// prints the comparison tables and writes bench/results/latest.json.
//
//   node --expose-gc build/bench/run.js [id-filter...]
//   BENCH_REPETITIONS=3 BENCH_WARMUP_MS=250 BENCH_MEASURE_MS=700 BENCH_FLOOD_MESSAGES=1000000
import os from 'node:os';
import { runNamespace, sweepAmqp, sweepNats, sweepRedis } from './broker-state.js';
import { prepareIsolated } from './isolated-setup.js';
import { JobRunner, planJobs } from './jobs.js';
import { natsStreamOf } from './peers/brokers.js';
import { brokerOf, type Broker } from './peers/peers.js';
import type { Budget } from './protocol.js';
import { SCENARIOS, scenarioById } from './registry.js';
import { evaluate, renderTable } from './report.js';
import { writeResults } from './results.js';
import { TABLES } from './tables.js';

function integerFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

const DEFAULT_REPETITIONS = 3;
const repetitions = integerFromEnv('BENCH_REPETITIONS', DEFAULT_REPETITIONS, 1);
const budget: Budget = {
  warmupMs: integerFromEnv('BENCH_WARMUP_MS', 250, 0),
  measureMs: integerFromEnv('BENCH_MEASURE_MS', 700, 1),
};
const filters = process.argv.slice(2);
const scenarios = SCENARIOS.filter((scenario) => filters.length === 0 || filters.some((filter) => scenario.id.includes(filter)));
if (scenarios.length === 0) throw new Error(`no scenario id contains any of: ${filters.join(', ')}`);

const namespace = runNamespace();
let jobs = planJobs(scenarios, repetitions, budget, namespace);
const startedAt = new Date();
const preparation: string[] = [];
const isolated = (peer: string): boolean => peer === 'golevelup' || peer === 'bullmq';
if (jobs.some((job) => isolated(job.peer))) {
  const problem = prepareIsolated();
  if (problem !== undefined) {
    preparation.push(`bench/isolated (golevelup, BullMQ) could not be prepared, their runs are left out: ${problem}`);
    jobs = jobs.filter((job) => !isolated(job.peer));
  }
}

console.log(
  `${jobs.length} runs: ${scenarios.length} scenarios x peers x ${repetitions} repetitions, warm-up ${budget.warmupMs} ms, ` +
    `measure ${budget.measureMs} ms (x2 on brokers), one process per run; load average ${os.loadavg()[0].toFixed(2)}; ` +
    `broker namespace ${namespace}\n`,
);
const runner = new JobRunner(jobs.length);
runner.incidents.push(...preparation);
for (const [index, job] of jobs.entries()) await runner.run(job, scenarioById(job.scenario), index);

// Everything the run left on the brokers goes.
const brokers = new Set(jobs.map((job) => brokerOf(job.peer)).filter((broker): broker is Broker => broker !== undefined));
if (brokers.has('redis')) {
  await sweepRedis(namespace).then(
    (deleted) => console.log(`\nRedis: deleted ${deleted} keys under ${namespace}`),
    (error: unknown) => runner.warnings.push(`Redis keys under ${namespace} could not be deleted: ${String(error)}`),
  );
}
if (brokers.has('amqp')) {
  await sweepAmqp(namespace).then(
    ({ deleted, left }) => {
      console.log(`RabbitMQ: deleted ${deleted} queues and exchanges under ${namespace}`);
      for (const name of left) runner.warnings.push(`RabbitMQ: ${name} left behind`);
    },
    (error: unknown) => runner.warnings.push(`RabbitMQ queues and exchanges under ${namespace} could not be deleted: ${String(error)}`),
  );
}
if (brokers.has('nats')) {
  await sweepNats(namespace).then(
    (deleted) => console.log(`NATS: deleted ${deleted} streams under ${natsStreamOf(namespace)}`),
    (error: unknown) => runner.warnings.push(`NATS streams under ${namespace} could not be deleted: ${String(error)}`),
  );
}

const durationS = Math.round((Date.now() - startedAt.getTime()) / 1000);
const tables = TABLES.map((table) => ({ table, evaluated: evaluate(table, runner.results) })).filter(({ evaluated }) =>
  evaluated.rows.some((row) => Object.values(row.values).some((value) => typeof value === 'number')),
);
console.log('');
for (const { evaluated } of tables) console.log(renderTable(evaluated));
console.log(
  `Ratios: speed-up of nestjs-message-bus (>1 = it is faster): ours/theirs for throughputs, theirs/ours for times. ` +
    `Medians of ${repetitions} runs, each in a fresh process. ${durationS} s.`,
);
for (const warning of runner.warnings) console.log(`~ ${warning}`);
for (const incident of runner.incidents) console.log(`! ${incident}`);

// Only a full run at the default repetitions replaces the committed results.
const official = filters.length === 0 && repetitions >= DEFAULT_REPETITIONS;
const path = new URL(official ? '../../bench/results/latest.json' : '../../bench/results/partial.json.tmp', import.meta.url);
writeResults(path, {
  scenarios,
  results: runner.results,
  tables: tables.map(({ evaluated }) => evaluated),
  budget,
  repetitions,
  startedAt,
  durationS,
  incidents: runner.incidents,
  warnings: runner.warnings,
});
console.log(`results: ${path.pathname}`);
if (runner.incidents.length > 0) process.exitCode = 1;
