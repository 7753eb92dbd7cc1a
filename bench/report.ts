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

/** Every bound given must hold for the subject: `speedup` is the minimum speed-up over the peer library (the raw client when there is none). */
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
  /** Measured on another peer than the table's subject: nestjs-message-bus with other options. */
  subject?: PeerId;
}

/** nestjs-message-bus on one transport, side by side with the raw client and the peer library. */
export interface ComparisonTable {
  kind: 'comparison';
  title: string;
  subject: PeerId;
  raw?: PeerId;
  peer?: PeerId;
  rows: Row[];
}

/** A throughput metric (`perSecond`) of one scenario on one peer. */
export interface PeerMetric extends MetricRef {
  peer: PeerId;
}

/** The price of a feature: the same scenario shape without and with it. */
export interface CostRow {
  label: string;
  /** What both runs measure. */
  on: string;
  without: PeerMetric;
  with: PeerMetric;
}

export interface CostTable {
  kind: 'costs';
  title: string;
  rows: CostRow[];
}

export interface FloodRow {
  strategy: string;
  publisher: string;
  scenario: string;
  peer: PeerId;
}

export interface FloodTable {
  kind: 'flood';
  title: string;
  rows: FloodRow[];
}

export type Table = ComparisonTable | CostTable | FloodTable;

/** Runs of one scenario on one peer. */
export interface PeerRuns {
  runs: Metrics[];
  failures: string[];
}

/** scenario id -> peer -> runs */
export type Results = Map<string, Map<PeerId, PeerRuns>>;

type Value = number | string | boolean | null;

/** A table ready to print (`cells`) and to store (`values`, unrounded numbers). */
export interface EvaluatedTable {
  title: string;
  header: string[];
  /** Right-aligned columns. */
  numeric: boolean[];
  rows: { cells: string[]; values: Record<string, Value> }[];
}

export function medians(runs: readonly Metrics[]): Metrics {
  const keys = [...new Set(runs.flatMap((run) => Object.keys(run)))].sort();
  return Object.fromEntries(keys.map((key) => [key, median(runs.flatMap((run) => (key in run ? [run[key]] : [])))]));
}

function runsOf(results: Results, scenario: string, peer: PeerId): Metrics[] {
  return results.get(scenario)?.get(peer)?.runs ?? [];
}

function medianOf(results: Results, ref: MetricRef, peer: PeerId): number | undefined {
  const runs = runsOf(results, ref.scenario, peer);
  return runs.length === 0 ? undefined : medians(runs)[ref.metric];
}

function valueOf(results: Results, row: Row, peer: PeerId | undefined): number | undefined {
  if (peer === undefined) return undefined;
  if ('scenario' in row.value) return medianOf(results, row.value, peer);
  const [numerator, denominator] = row.value.ratio.map((ref) => medianOf(results, ref, peer));
  return numerator === undefined || denominator === undefined ? undefined : numerator / denominator;
}

/** >1: the subject is faster (higher throughput or lower time). Ratios of ratios are not compared. */
function speedup(row: Row, subject: number | undefined, other: number | undefined): number | undefined {
  if (!('scenario' in row.value) || subject === undefined || other === undefined) return undefined;
  return row.unit === 'perSecond' ? subject / other : other / subject;
}

function meets(target: Target, subject: number | undefined, speedUp: number | undefined): boolean | undefined {
  const checks: (boolean | undefined)[] = [];
  if (target.speedup !== undefined) checks.push(speedUp === undefined ? undefined : speedUp >= target.speedup);
  if (target.min !== undefined) checks.push(subject === undefined ? undefined : subject >= target.min);
  if (target.max !== undefined) checks.push(subject === undefined ? undefined : subject <= target.max);
  if (checks.includes(false)) return false;
  return checks.includes(undefined) ? undefined : true;
}

function describeTarget(target: Target, unit: Unit, peer: PeerId | undefined): string {
  const parts: string[] = [];
  if (target.speedup !== undefined) parts.push(`≥${target.speedup}× ${peer === undefined ? 'peer' : PEERS[peer].label}`);
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

const times = (value: number | undefined): string => (value === undefined ? '—' : `${value.toFixed(2)}×`);
const count = (value: number | undefined): string => (value === undefined ? 'n/a' : Math.round(value).toLocaleString('en-US'));
const mib = (value: number | undefined): string => (value === undefined ? 'n/a' : `${Math.round(value)} MiB`);
const seconds = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value.toFixed(2)} s`);
const signedNs = (value: number | undefined): string =>
  value === undefined ? 'n/a' : `${value >= 0 ? '+' : '−'}${Math.round(Math.abs(value)).toLocaleString('en-US')} ns`;

function evaluateComparison(table: ComparisonTable, results: Results): EvaluatedTable {
  const rows = table.rows.map((row) => {
    const subject = valueOf(results, row, row.subject ?? table.subject);
    const raw = valueOf(results, row, table.raw);
    const peer = valueOf(results, row, table.peer);
    const toRaw = speedup(row, subject, raw);
    const toPeer = speedup(row, subject, peer);
    // Without a peer library (NATS), targets are against the raw client.
    const against = table.peer ?? table.raw;
    const target = row.target ? describeTarget(row.target, row.unit, against) : undefined;
    const met = row.target ? meets(row.target, subject, table.peer === undefined ? toRaw : toPeer) : undefined;
    const absent = (peerId: PeerId | undefined, value: number | undefined) => (peerId === undefined ? '—' : format(value, row.unit));
    return {
      cells: [
        row.label,
        format(subject, row.unit),
        absent(table.raw, raw),
        absent(table.peer, peer),
        times(toRaw),
        times(toPeer),
        target ?? '—',
        met === undefined ? (target ? 'n/a' : '—') : met ? 'yes' : 'NO',
      ],
      values: {
        label: row.label,
        unit: row.unit,
        subject: subject ?? null,
        raw: raw ?? null,
        peer: peer ?? null,
        ratioToRaw: toRaw ?? null,
        ratioToPeer: toPeer ?? null,
        target: target ?? null,
        met: met ?? null,
      },
    };
  });
  return {
    title: table.title,
    header: ['scenario', 'nestjs-message-bus', 'raw client', 'peer library', 'ratio to raw', 'ratio to peer', 'target', 'met?'],
    numeric: [false, true, true, true, true, true, false, false],
    rows,
  };
}

function evaluateCosts(table: CostTable, results: Results): EvaluatedTable {
  const rows = table.rows.map((row) => {
    const without = medianOf(results, row.without, row.without.peer);
    const withIt = medianOf(results, row.with, row.with.peer);
    const ns = (perSecond: number | undefined) => (perSecond === undefined ? undefined : 1e9 / perSecond);
    const cost = without === undefined || withIt === undefined ? undefined : 1e9 / withIt - 1e9 / without;
    const ratio = without === undefined || withIt === undefined ? undefined : withIt / without;
    const both = (perSecond: number | undefined) => `${format(perSecond, 'perSecond')} (${format(ns(perSecond), 'ns')})`;
    return {
      cells: [row.label, row.on, both(without), both(withIt), signedNs(cost), times(ratio)],
      values: {
        label: row.label,
        on: row.on,
        withoutPerSecond: without ?? null,
        withPerSecond: withIt ?? null,
        nsPerMessage: cost ?? null,
        throughputRatio: ratio ?? null,
      },
    };
  });
  return {
    title: table.title,
    header: ['cost of', 'measured on', 'without', 'with', 'per message', 'throughput with/without'],
    numeric: [false, false, true, true, true, true],
    rows,
  };
}

function evaluateFlood(table: FloodTable, results: Results): EvaluatedTable {
  const rows = table.rows.map((row) => {
    const runs = runsOf(results, row.scenario, row.peer);
    const m = runs.length === 0 ? undefined : medians(runs);
    const allAccounted = runs.length === 0 ? undefined : runs.every((run) => run.lost === 0);
    const growth = m === undefined ? undefined : m.peakRssMiB - m.baselineRssMiB;
    return {
      cells: [
        row.strategy,
        row.publisher,
        count(m?.published),
        count(m?.handled),
        count(m?.dropped),
        count(m?.rejected),
        count(m?.lost),
        mib(m?.peakRssMiB),
        mib(growth),
        seconds(m?.publisherS),
        seconds(m?.durationS),
        format(m?.handledPerSecond, 'perSecond'),
        allAccounted === undefined ? 'n/a' : allAccounted ? `yes (${runs.length}/${runs.length})` : 'NO',
      ],
      values: { strategy: row.strategy, ...(m ?? {}), rssGrowthMiB: growth ?? null, allAccounted: allAccounted ?? null },
    };
  });
  return {
    title: table.title,
    header: ['strategy', 'publisher', 'published', 'handled', 'dropped', 'rejected', 'lost', 'peak RSS', 'RSS growth', 'publishing', 'until all handled', 'handled/s', 'handled + dropped + rejected = published?'],
    numeric: [false, false, true, true, true, true, true, true, true, true, true, true, false],
    rows,
  };
}

export function evaluate(table: Table, results: Results): EvaluatedTable {
  switch (table.kind) {
    case 'comparison':
      return evaluateComparison(table, results);
    case 'costs':
      return evaluateCosts(table, results);
    case 'flood':
      return evaluateFlood(table, results);
  }
}

/** A Markdown table, padded so it also reads well in a terminal. */
export function renderTable({ title, header, numeric, rows }: EvaluatedTable): string {
  const body = rows.map((row) => row.cells);
  const widths = header.map((cell, column) => Math.max(cell.length, ...body.map((line) => line[column].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (numeric[column] ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [`### ${title}`, '', line(header), rule, ...body.map(line), ''].join('\n');
}
