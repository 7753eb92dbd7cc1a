import { PEERS, type PeerId } from './peers/peers.js';
import { median } from './measure.js';
import type { Metrics } from './protocol.js';

/** A metric of a scenario: its median over the repetitions is what a table shows. */
export interface MetricRef {
  scenario: string;
  metric: string;
}

/** Throughputs are better higher; times and cost ratios better lower. */
export type Unit = 'perSecond' | 'us' | 'ns' | 'ratio';

/** Every bound given must hold for the subject: `speedup` is the minimum speed-up over the peer. */
export interface Target {
  speedup?: number;
  min?: number;
  max?: number;
}

export interface Row {
  label: string;
  unit: Unit;
  /** A metric, or the ratio of two medians of one peer (no speed-up is computed for those). */
  value: MetricRef | { ratio: [MetricRef, MetricRef] };
  target?: Target;
}

/** A printed comparison: the subject (our bus on one transport) against one peer. */
export interface Table {
  title: string;
  subject: PeerId;
  peer: PeerId;
  rows: Row[];
}

/** Runs of one scenario on one peer. */
export interface PeerRuns {
  runs: Metrics[];
  failures: string[];
}

/** scenario id -> peer -> runs */
export type Results = Map<string, Map<PeerId, PeerRuns>>;

export interface EvaluatedRow {
  label: string;
  unit: Unit;
  subject?: number;
  peer?: number;
  /** >1: the subject is faster (higher throughput or lower time). */
  speedup?: number;
  target?: string;
  met?: boolean;
}

export function medians(runs: readonly Metrics[]): Metrics {
  const keys = [...new Set(runs.flatMap((run) => Object.keys(run)))].sort();
  return Object.fromEntries(keys.map((key) => [key, median(runs.flatMap((run) => (key in run ? [run[key]] : [])))]));
}

function medianOf(results: Results, ref: MetricRef, peer: PeerId): number | undefined {
  const runs = results.get(ref.scenario)?.get(peer)?.runs ?? [];
  if (runs.length === 0) return undefined;
  return medians(runs)[ref.metric];
}

function valueOf(results: Results, row: Row, peer: PeerId): number | undefined {
  if ('scenario' in row.value) return medianOf(results, row.value, peer);
  const [numerator, denominator] = row.value.ratio.map((ref) => medianOf(results, ref, peer));
  return numerator === undefined || denominator === undefined ? undefined : numerator / denominator;
}

export function evaluate(table: Table, results: Results): EvaluatedRow[] {
  return table.rows.map((row) => {
    const subject = valueOf(results, row, table.subject);
    const peer = valueOf(results, row, table.peer);
    const comparable = 'scenario' in row.value && subject !== undefined && peer !== undefined;
    const speedup = comparable ? (row.unit === 'perSecond' ? subject / peer : peer / subject) : undefined;
    const evaluated: EvaluatedRow = { label: row.label, unit: row.unit, subject, peer, speedup };
    if (row.target) {
      evaluated.target = describeTarget(row.target, row.unit, PEERS[table.peer].label);
      evaluated.met = meets(row.target, subject, speedup);
    }
    return evaluated;
  });
}

function meets(target: Target, subject: number | undefined, speedup: number | undefined): boolean | undefined {
  const checks: (boolean | undefined)[] = [];
  if (target.speedup !== undefined) checks.push(speedup === undefined ? undefined : speedup >= target.speedup);
  if (target.min !== undefined) checks.push(subject === undefined ? undefined : subject >= target.min);
  if (target.max !== undefined) checks.push(subject === undefined ? undefined : subject <= target.max);
  if (checks.includes(false)) return false;
  return checks.includes(undefined) ? undefined : true;
}

function describeTarget(target: Target, unit: Unit, peerLabel: string): string {
  const parts: string[] = [];
  if (target.speedup !== undefined) parts.push(`≥${target.speedup}× ${peerLabel}`);
  if (target.min !== undefined) parts.push(`≥${format(target.min, unit)}`);
  if (target.max !== undefined) parts.push(`≤${format(target.max, unit)}`);
  return parts.join(', ');
}

export function format(value: number | undefined, unit: Unit): string {
  if (value === undefined) return 'n/a';
  switch (unit) {
    case 'perSecond':
      return `${Math.round(value).toLocaleString('en-US')}/s`;
    case 'us':
      return `${value.toFixed(value < 10 ? 2 : 1)} µs`;
    case 'ns':
      return `${Math.round(value).toLocaleString('en-US')} ns`;
    case 'ratio':
      return `${value.toFixed(2)}×`;
  }
}

/** A Markdown table, padded so it also reads well in a terminal. */
export function renderTable(table: Table, rows: readonly EvaluatedRow[]): string {
  const header = ['scenario', PEERS[table.subject].label, PEERS[table.peer].label, 'ratio', 'target', 'met?'];
  const body = rows.map((row) => [
    row.label,
    format(row.subject, row.unit),
    format(row.peer, row.unit),
    row.speedup === undefined ? '—' : `${row.speedup.toFixed(2)}×`,
    row.target ?? '—',
    row.met === undefined ? (row.target ? 'n/a' : '—') : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((cell, column) => Math.max(cell.length, ...body.map((line) => line[column].length)));
  const numeric = [false, true, true, true, false, false];
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (numeric[column] ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [`### ${table.title}`, '', line(header), rule, ...body.map(line), ''].join('\n');
}
