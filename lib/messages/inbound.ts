import { isTopic } from '../routing/topic.js';
import { jsonDepthExceeds, tooDeep } from './codec.js';
import type { CodecTable } from './codec-table.js';
import {
  BusHeaders,
  DEFAULT_PRIORITY,
  MAX_PRIORITY,
  MESSAGE_KINDS,
  MESSAGE_ORIGINS,
  MIN_PRIORITY,
  type Envelope,
  type MessageKind,
  type MessageOrigin,
} from './envelope.js';

/**
 * The one rule for messages read from a broker, whoever produced them: a missing field takes its
 * default, a present but invalid one makes the message undecodable (dead-lettered `UNDECODABLE`,
 * never guessed). Claimed control values are bounded: `attempt` never exceeds `maxAttempts`.
 */

/** Deepest JSON nesting of an inbound payload, unless a transport's `maxPayloadDepth` says otherwise. */
export const DEFAULT_MAX_PAYLOAD_DEPTH = 64;
/** Longest id, correlation id, causation id or session id accepted from the wire. */
export const MAX_ID_LENGTH = 256;
/** A dead letter of an undecodable message keeps at most this many of its raw bytes. */
export const MAX_RAW_BYTES = 64 * 1024;
/** Ids and topics quoted in log lines and problems are cut to this many characters. */
const MAX_QUOTED_LENGTH = 120;
/** Attempts past this are not a retry count any producer could mean. */
const MAX_ATTEMPT = 1000;

const RESERVED_PREFIX = 'x-bus-';
const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const KINDS: ReadonlySet<string> = new Set(MESSAGE_KINDS);
const ORIGINS: ReadonlySet<string> = new Set(MESSAGE_ORIGINS);
const DECIMAL = /^\d{1,16}$/;

/** The single prototype guard: keys that must never be copied from the wire into an object. */
export function isUnsafeKey(key: string): boolean {
  return UNSAFE_KEYS.has(key);
}

/**
 * True for a wire header a handler may see: reserved `x-bus-*` names are the bus's control
 * fields (read into the envelope, never passed on), except the retry target handler.
 */
export function isUserHeader(key: string): boolean {
  return !isUnsafeKey(key) && (!key.startsWith(RESERVED_PREFIX) || key === BusHeaders.targetHandler);
}

/**
 * The header map of an inbound message, by the one header rule of every transport: built on an
 * object without a prototype, keys that could reach a prototype skipped, and every value text
 * (a string; a number or boolean is written out, bytes read as UTF-8). A value of any other type,
 * reserved name or not, makes the message undecodable: the problem is returned instead. `keep`
 * says which names the handler sees (reserved `x-bus-*` ones are read into the envelope instead).
 */
export function inboundHeaders(
  wire: Record<string, unknown>,
  keep: (name: string) => boolean,
  /** Names outside the rule (a broker's own bookkeeping): neither checked nor kept. */
  foreign?: (name: string) => boolean,
): Record<string, string> | string {
  const headers: Record<string, string> = Object.create(null);
  for (const name of Object.keys(wire)) {
    if (isUnsafeKey(name) || foreign?.(name) === true) continue;
    const text = headerText(wire[name]);
    if (text === undefined) return `header ${quoted(name)} is not text`;
    if (keep(name)) headers[name] = text;
  }
  return headers;
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
}

/** `text` cut to a length fit for a log line, escaped, with how much was left out. */
export function quoted(text: string): string {
  const shown = text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}…(${text.length} chars)` : text;
  return JSON.stringify(shown);
}

/** Limits an inbound payload must respect before it is decoded. */
export interface InboundLimits {
  maxPayloadBytes: number;
  /** Checked by the codec on the bytes before decoding (`Codec.nestedDeeperThan`). */
  maxPayloadDepth: number;
}

/**
 * The envelope fields a transport found on the wire; `undefined` means absent. Integer fields
 * may be numbers or decimal text (Redis stores text, AMQP headers carry numbers).
 */
export interface InboundFields {
  topic: unknown;
  payload: Buffer | undefined;
  /** The payload's content type, which names its codec; absent: the topic's codec. */
  contentType?: unknown;
  headers: Record<string, string>;
  id?: unknown;
  kind?: unknown;
  correlationId?: unknown;
  causationId?: unknown;
  sessionId?: unknown;
  replyTo?: unknown;
  timestamp?: unknown;
  origin?: unknown;
  priority?: unknown;
  deadline?: unknown;
  attempt?: unknown;
  maxAttempts?: unknown;
}

/** What absent fields become; the transport knows some of them from the broker (entry id, routing). */
export interface InboundDefaults {
  id: string;
  timestamp: number;
  kind: MessageKind;
  origin: MessageOrigin;
  priority: number;
  maxAttempts: number;
  codecs: CodecTable;
  limits: InboundLimits;
}

/** An envelope the bus can handle, or why the message is undecodable. */
export type Inbound = { ok: true; envelope: Envelope } | { ok: false; problem: string };

class InboundProblem extends Error {}

/** Applies the inbound rule to what a transport extracted; never throws. */
export function normalizeInbound(fields: InboundFields, defaults: InboundDefaults): Inbound {
  try {
    return { ok: true, envelope: toEnvelope(fields, defaults) };
  } catch (error) {
    if (error instanceof InboundProblem) return { ok: false, problem: error.message };
    throw error;
  }
}

function toEnvelope(fields: InboundFields, defaults: InboundDefaults): Envelope {
  const { topic } = fields;
  if (topic === undefined) throw new InboundProblem('no topic');
  if (!isTopic(topic)) throw new InboundProblem(`invalid topic ${typeof topic === 'string' ? quoted(topic) : typeof topic}`);
  const payload = decodePayload(fields, topic, defaults.codecs, defaults.limits);
  const id = identifier('id', fields.id) ?? defaults.id;
  const maxAttempts = integer('maxAttempts', fields.maxAttempts, 1, Number.MAX_SAFE_INTEGER) ?? defaults.maxAttempts;
  const attempt = integer('attempt', fields.attempt, 1, MAX_ATTEMPT) ?? 1;
  return {
    id,
    topic,
    kind: (oneOf('kind', fields.kind, KINDS) ?? defaults.kind) as MessageKind,
    payload,
    headers: fields.headers,
    correlationId: identifier('correlationId', fields.correlationId) ?? id,
    causationId: identifier('causationId', fields.causationId),
    sessionId: identifier('sessionId', fields.sessionId),
    replyTo: identifier('replyTo', fields.replyTo),
    timestamp: integer('timestamp', fields.timestamp, 0, Number.MAX_SAFE_INTEGER) ?? defaults.timestamp,
    origin: (oneOf('origin', fields.origin, ORIGINS) ?? defaults.origin) as MessageOrigin,
    priority: integer('priority', fields.priority, MIN_PRIORITY, MAX_PRIORITY) ?? defaults.priority,
    deadline: integer('deadline', fields.deadline, 0, Number.MAX_SAFE_INTEGER),
    // A frame may claim to be a late attempt, but never earn attempts beyond its own maximum.
    attempt: Math.min(attempt, maxAttempts),
    maxAttempts,
  };
}

function decodePayload(fields: InboundFields, topic: string, codecs: CodecTable, limits: InboundLimits): unknown {
  const bytes = fields.payload;
  if (bytes === undefined) throw new InboundProblem('no payload');
  if (bytes.length > limits.maxPayloadBytes) {
    throw new InboundProblem(`payload of ${bytes.length} bytes exceeds maxPayloadBytes (${limits.maxPayloadBytes})`);
  }
  const { contentType } = fields;
  if (contentType !== undefined && typeof contentType !== 'string') throw new InboundProblem(`invalid contentType ${describe(contentType)}`);
  const codec = codecs.forContent(contentType, topic);
  if (codec === undefined) throw new InboundProblem(`no codec for content type ${quoted(contentType as string)}`);
  // A codec of its own that says nothing of depth still gets the JSON scan when it reads JSON.
  const refusal = codec.screen !== undefined
    ? codec.screen(bytes, limits.maxPayloadDepth, topic)
    : codec.contentType.includes('json') && jsonDepthExceeds(bytes, limits.maxPayloadDepth) ? tooDeep(limits.maxPayloadDepth) : undefined;
  if (refusal !== undefined) throw new InboundProblem(refusal);
  try {
    return codec.decode(bytes, topic);
  } catch (error) {
    throw new InboundProblem(`payload not decodable as ${codec.contentType}: ${(error as Error).message}`);
  }
}

function identifier(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    throw new InboundProblem(`invalid ${name} ${describe(value)}: 1..${MAX_ID_LENGTH} chars expected`);
  }
  return value;
}

function integer(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && DECIMAL.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new InboundProblem(`invalid ${name} ${describe(value)}: an integer in ${min}..${max} expected`);
  }
  return number;
}

function oneOf(name: string, value: unknown, allowed: ReadonlySet<string>): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.has(value)) {
    throw new InboundProblem(`invalid ${name} ${describe(value)}: one of ${[...allowed].join(', ')} expected`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Buffer.isBuffer(value) ? 'bytes' : value === null ? 'null' : typeof value;
}

/** The first {@link MAX_RAW_BYTES} of a raw body or field, for a dead letter. */
export function truncatedRaw(bytes: Buffer): Buffer {
  return bytes.length > MAX_RAW_BYTES ? bytes.subarray(0, MAX_RAW_BYTES) : bytes;
}

/**
 * The envelope a transport-made dead letter of an undecodable message carries: its raw content
 * as the payload, its id and topic only where they were valid, delivered once.
 */
export function undecodableEnvelope(letter: { id: string; topic: unknown; payload: unknown; headers: Record<string, string> }): Envelope {
  return {
    id: letter.id,
    topic: isTopic(letter.topic) ? letter.topic : 'undecodable',
    kind: 'event',
    payload: letter.payload,
    headers: letter.headers,
    correlationId: letter.id,
    timestamp: Date.now(),
    origin: 'external',
    priority: DEFAULT_PRIORITY,
    attempt: 1,
    maxAttempts: 1,
  };
}
