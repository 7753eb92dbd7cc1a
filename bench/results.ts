import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { isolatedVersions } from './isolated-setup.js';
import { medians, type EvaluatedTable, type Results } from './report.js';
import type { Budget } from './protocol.js';
import type { Scenario } from './scenarios/scenario.js';
import { installedVersion, manifestVersion } from './versions.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const versionOf = (name: string): string => installedVersion(ROOT, name);

function git(...args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** The commit measured; `+changes` when lib/ differed from it (uncommitted work). */
function gitCommit(): string | null {
  try {
    const changed = git('status', '--porcelain', '--', 'lib') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${changed ? '+changes' : ''}`;
  } catch {
    return null;
  }
}

export function machine(): Json {
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

// Six significant digits: enough for any comparison, and diffs stay readable.
function rounded(value: number): number {
  return Number(value.toPrecision(6));
}

/** JSON with object keys sorted at every level, so reruns diff cleanly. */
function canonical(value: Json | undefined): Json | undefined {
  if (typeof value === 'number') return rounded(value);
  if (Array.isArray(value)) return value.map((item) => canonical(item) ?? null);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: { [key: string]: Json | undefined } = {};
  for (const key of Object.keys(value).sort()) {
    const item = canonical(value[key]);
    if (item !== undefined) sorted[key] = item;
  }
  return sorted;
}

export interface ResultsDocument {
  scenarios: readonly Scenario[];
  results: Results;
  tables: readonly EvaluatedTable[];
  budget: Budget;
  repetitions: number;
  startedAt: Date;
  durationS: number;
  incidents: string[];
  /** Runs that look disturbed (preempted) but produced a result. */
  warnings: string[];
}

export function writeResults(path: URL, document: ResultsDocument): void {
  const { scenarios, results, tables, budget, repetitions, startedAt, durationS, incidents, warnings } = document;
  const json: Json = {
    date: startedAt.toISOString(),
    durationS,
    commit: gitCommit(),
    machine: machine(),
    versions: {
      'nestjs-message-bus': manifestVersion(`${ROOT}package.json`),
      '@nestjs/core': versionOf('@nestjs/core'),
      '@nestjs/cqrs': versionOf('@nestjs/cqrs'),
      ioredis: versionOf('ioredis'),
      amqplib: versionOf('amqplib'),
      ...isolatedVersions(),
    },
    method: { repetitions, warmupMs: budget.warmupMs, measureMs: budget.measureMs, processPerRun: true },
    scenarios: scenarios.map((scenario) => ({
      id: scenario.id,
      description: scenario.description,
      budgetScale: scenario.budgetScale ?? 1,
      peers: Object.fromEntries(
        [...(results.get(scenario.id) ?? [])].map(([peer, { runs, failures }]) => [
          peer,
          { runs, median: runs.length > 0 ? medians(runs) : null, failures },
        ]),
      ),
    })),
    tables: tables.map(({ title, rows }) => ({ title, rows: rows.map((row) => row.values) })),
    incidents,
    warnings,
  };
  mkdirSync(new URL('.', path), { recursive: true });
  const temporary = new URL(`${path.href}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(canonical(json), null, 2)}\n`);
  renameSync(temporary, path);
}
