import type { PeerId } from './peers/peers.js';

/** How long one child warms up and then measures. */
export interface Budget {
  warmupMs: number;
  measureMs: number;
}

/** Named numbers one measurement produced (events per second, p50 in µs, ...). */
export type Metrics = Record<string, number>;

/** One (scenario, peer, repetition): what the parent asks a fresh child process to run. */
export interface Job {
  scenario: string;
  peer: PeerId;
  repetition: number;
  budget: Budget;
  /** Unique per run and job: the broker namespace (key prefix, exchange name) of the peer. */
  namespace: string;
}

/** What a child sends back over IPC. */
export type JobOutcome = { ok: true; metrics: Metrics } | { ok: false; error: string };

export function isJobOutcome(value: unknown): value is JobOutcome {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  if (value.ok === false) return 'error' in value && typeof value.error === 'string';
  if (value.ok !== true || !('metrics' in value)) return false;
  const metrics = value.metrics;
  return (
    typeof metrics === 'object' &&
    metrics !== null &&
    Object.values(metrics).every((metric) => typeof metric === 'number' && Number.isFinite(metric))
  );
}
