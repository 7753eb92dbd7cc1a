import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { medians, type EvaluatedRow, type Results, type Table } from './report.js';
import type { Budget } from './protocol.js';
import type { Scenario } from './scenarios/scenario.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

const require = createRequire(import.meta.url);

function versionOf(name: string): string {
  const manifest: unknown = require(`${name}/package.json`);
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}

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
  tables: readonly { table: Table; rows: EvaluatedRow[] }[];
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
      'nestjs-message-bus': versionOf('nestjs-message-bus'),
      '@nestjs/core': versionOf('@nestjs/core'),
      '@nestjs/cqrs': versionOf('@nestjs/cqrs'),
    },
    method: { repetitions, warmupMs: budget.warmupMs, measureMs: budget.measureMs, processPerRun: true },
    scenarios: scenarios.map((scenario) => ({
      id: scenario.id,
      description: scenario.description,
      peers: Object.fromEntries(
        [...(results.get(scenario.id) ?? [])].map(([peer, { runs, failures }]) => [
          peer,
          { runs, median: runs.length > 0 ? medians(runs) : null, failures },
        ]),
      ),
    })),
    tables: tables.map(({ table, rows }) => ({
      title: table.title,
      subject: table.subject,
      peer: table.peer,
      rows: rows.map((row) => ({
        label: row.label,
        unit: row.unit,
        [table.subject]: row.subject ?? null,
        [table.peer]: row.peer ?? null,
        speedup: row.speedup ?? null,
        target: row.target ?? null,
        met: row.met ?? null,
      })),
    })),
    incidents,
    warnings,
  };
  mkdirSync(new URL('.', path), { recursive: true });
  const temporary = new URL(`${path.href}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(canonical(json), null, 2)}\n`);
  renameSync(temporary, path);
}
