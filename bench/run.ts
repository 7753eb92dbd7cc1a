// Entry of `npm run bench`: runs every (scenario, peer, repetition) in a fresh child process,
// prints the comparison tables and writes bench/results/latest.json.
//
//   node --expose-gc build/bench/run.js [id-filter...]
//   BENCH_REPETITIONS=3 BENCH_WARMUP_MS=250 BENCH_MEASURE_MS=700
import os from 'node:os';
import { runInChild } from './child-process.js';
import { PEERS } from './peers/peers.js';
import type { Budget, Job, Metrics } from './protocol.js';
import { SCENARIOS, TABLES } from './registry.js';
import { evaluate, renderTable, type PeerRuns, type Results } from './report.js';
import { writeResults } from './results.js';

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

// Repetitions are the outer loop, so a slow phase of the machine hits every scenario once
// rather than all runs of one scenario.
const jobs: Job[] = [];
for (let repetition = 1; repetition <= repetitions; repetition++) {
  for (const scenario of scenarios) {
    for (const peer of scenario.peers) jobs.push({ scenario: scenario.id, peer, repetition, budget });
  }
}

function summary(metrics: Metrics): string {
  return Object.entries(metrics)
    .map(([key, value]) => `${key}=${value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2)}`)
    .join(' ');
}

const startedAt = new Date();
const results: Results = new Map();
const incidents: string[] = [];
const warnings: string[] = [];
// Below this share of CPU time per wall time, the measured phase was likely preempted.
const PREEMPTED_CPU_SHARE = 0.8;
console.log(`${jobs.length} runs: ${scenarios.length} scenarios x peers x ${repetitions} repetitions, ` +
  `warm-up ${budget.warmupMs} ms, measure ${budget.measureMs} ms, one process per run\n`);
for (const [index, job] of jobs.entries()) {
  const loadAvg1m = os.loadavg()[0];
  const { outcome, wallMs, lingered } = await runInChild(job);
  const byPeer = results.get(job.scenario) ?? new Map<typeof job.peer, PeerRuns>();
  results.set(job.scenario, byPeer);
  const runs = byPeer.get(job.peer) ?? { runs: [], failures: [] };
  byPeer.set(job.peer, runs);
  const name = `${job.scenario} ${PEERS[job.peer].label} #${job.repetition}`;
  const progress = `[${String(index + 1).padStart(String(jobs.length).length)}/${jobs.length}]`;
  if (outcome.ok) {
    runs.runs.push({ ...outcome.metrics, loadAvg1m });
    console.log(`${progress} ${name}: ${summary(outcome.metrics)} (${(wallMs / 1000).toFixed(1)} s)`);
    const cpuShare = outcome.metrics.cpuShare;
    if (cpuShare !== undefined && cpuShare < PREEMPTED_CPU_SHARE) {
      warnings.push(`${name}: cpuShare ${cpuShare.toFixed(2)} (load average ${loadAvg1m.toFixed(2)}), likely preempted`);
    }
  } else {
    runs.failures.push(outcome.error.split('\n')[0]);
    incidents.push(`${name} failed: ${outcome.error}`);
    console.log(`${progress} ${name}: FAILED ${outcome.error}`);
  }
  if (lingered) {
    incidents.push(`${name}: the child did not exit after closing its application (an open handle) and was killed`);
    console.log(`${progress} ${name}: did not exit after app.close(); killed`);
  }
}

const durationS = Math.round((Date.now() - startedAt.getTime()) / 1000);
const tables = TABLES.map((table) => ({ table, rows: evaluate(table, results) }));
console.log('');
for (const { table, rows } of tables) console.log(renderTable(table, rows));
console.log(`ratio: speed-up of ${PEERS[TABLES[0].subject].label} (>1 = faster). Medians of ${repetitions} runs, each in a fresh process. ${durationS} s.`);
for (const warning of warnings) console.log(`~ ${warning}`);
for (const incident of incidents) console.log(`! ${incident}`);

// Only a full run at the default repetitions replaces the committed results.
const official = filters.length === 0 && repetitions >= DEFAULT_REPETITIONS;
const path = new URL(official ? '../../bench/results/latest.json' : '../../bench/results/partial.json.tmp', import.meta.url);
writeResults(path, { scenarios, results, tables, budget, repetitions, startedAt, durationS, incidents, warnings });
console.log(`results: ${path.pathname}`);
if (incidents.length > 0) process.exitCode = 1;
