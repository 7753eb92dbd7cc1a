import os from 'node:os';
import { withRabbitLock } from './broker-state.js';
import { runInChild, type ChildReport } from './child-process.js';
import { brokerOf, PEERS } from './peers/peers.js';
import type { Budget, Job, Metrics } from './protocol.js';
import type { PeerRuns, Results } from './report.js';
import type { Scenario } from './scenarios/scenario.js';

// Below this share of CPU time per wall time, a CPU-bound measured phase was likely preempted.
const PREEMPTED_CPU_SHARE = 0.8;
// Broker jobs may meet a broker restarted by a test: tried up to this many times.
const BROKER_TRIES = 3;
// Preempted runs repeated at most this many times per bench run (each costs a few seconds).
const MAX_RERUNS = 12;

/** Every (scenario, peer, repetition); repetitions are the outer loop, so a slow phase of the machine hits every scenario once rather than all runs of one. */
export function planJobs(scenarios: readonly Scenario[], repetitions: number, budget: Budget, namespace: string): Job[] {
  const jobs: Job[] = [];
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    for (const scenario of scenarios) {
      const scale = scenario.budgetScale ?? 1;
      const scaled = { warmupMs: budget.warmupMs * scale, measureMs: budget.measureMs * scale };
      for (const peer of scenario.peers) {
        jobs.push({ scenario: scenario.id, peer, repetition, budget: scaled, namespace: `${namespace}.${jobs.length + 1}` });
      }
    }
  }
  return jobs;
}

function summary(metrics: Metrics): string {
  return Object.entries(metrics)
    .map(([key, value]) => `${key}=${Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2)}`)
    .join(' ');
}

/** Runs jobs in fresh children and collects what they report. */
export class JobRunner {
  readonly results: Results = new Map();
  readonly incidents: string[] = [];
  /** Runs that look disturbed, retries and reruns. */
  readonly warnings: string[] = [];
  private reruns = 0;

  constructor(private readonly total: number) {}

  async run(job: Job, scenario: Scenario, index: number): Promise<void> {
    const name = `${job.scenario} ${PEERS[job.peer].label} #${job.repetition}`;
    const progress = `[${String(index + 1).padStart(String(this.total).length)}/${this.total}]`;
    const runs = this.runsOf(job);
    const broker = brokerOf(job.peer);
    let report: ChildReport | undefined;
    let loadAvg1m = 0;
    for (let attempt = 1; attempt <= (broker ? BROKER_TRIES : 1); attempt++) {
      // A retry gets a fresh namespace: nothing the failed attempt left can reach it.
      const tried = attempt === 1 ? job : { ...job, namespace: `${job.namespace}.r${attempt}` };
      loadAvg1m = os.loadavg()[0];
      report = await (broker === 'amqp' ? withRabbitLock(() => runInChild(tried)) : runInChild(tried));
      if (report.outcome.ok || attempt === (broker ? BROKER_TRIES : 1)) break;
      this.warnings.push(`${name}: attempt ${attempt} failed (${report.outcome.error.split('\n')[0]}), tried again`);
      console.log(`${progress} ${name}: failed (${report.outcome.error.split('\n')[0]}); trying again`);
    }
    if (report === undefined) return;
    const { outcome, wallMs, lingered } = report;
    if (outcome.ok) {
      let metrics = outcome.metrics;
      const cpuShare = metrics.cpuShare;
      if (scenario.cpuBound && cpuShare !== undefined && cpuShare < PREEMPTED_CPU_SHARE) {
        metrics = await this.rerun(job, name, metrics, loadAvg1m);
      }
      runs.runs.push({ ...metrics, loadAvg1m });
      console.log(`${progress} ${name}: ${summary(metrics)} (load ${loadAvg1m.toFixed(2)}, ${(wallMs / 1000).toFixed(1)} s)`);
    } else {
      runs.failures.push(outcome.error.split('\n')[0]);
      this.incidents.push(`${name} failed: ${outcome.error}`);
      console.log(`${progress} ${name}: FAILED ${outcome.error}`);
    }
    if (lingered) {
      this.incidents.push(`${name}: the child did not exit after closing its application (an open handle) and was killed`);
      console.log(`${progress} ${name}: did not exit after closing; killed`);
    }
  }

  /** A preempted run is repeated once (while reruns remain); the repetition replaces it unless it failed. */
  private async rerun(job: Job, name: string, first: Metrics, loadAvg1m: number): Promise<Metrics> {
    const note = `${name}: cpuShare ${first.cpuShare.toFixed(2)} (load average ${loadAvg1m.toFixed(2)}), likely preempted`;
    if (this.reruns >= MAX_RERUNS) {
      this.warnings.push(`${note}; kept (no reruns left)`);
      return first;
    }
    this.reruns += 1;
    const again = await runInChild({ ...job, namespace: `${job.namespace}.rerun` });
    if (!again.outcome.ok) {
      this.warnings.push(`${note}; its rerun failed, the first run is kept`);
      return first;
    }
    const share = again.outcome.metrics.cpuShare;
    this.warnings.push(`${note}; replaced by a rerun (cpuShare ${share?.toFixed(2) ?? 'n/a'})`);
    return again.outcome.metrics;
  }

  private runsOf(job: Job): PeerRuns {
    const byPeer = this.results.get(job.scenario) ?? new Map<typeof job.peer, PeerRuns>();
    this.results.set(job.scenario, byPeer);
    const runs = byPeer.get(job.peer) ?? { runs: [], failures: [] };
    byPeer.set(job.peer, runs);
    return runs;
  }
}
