import type { Codec } from '../../messages/codec.js';
import type { Envelope, MessageKind, MessageOrigin } from '../../messages/envelope.js';
import { PayloadTooLargeError } from '../../messages/errors.js';

/** What an entry's fields default to, so other producers need only write `topic` and `payload`. */
const ENTRY_DEFAULTS = { kind: 'event', priority: 50, attempt: 1, origin: 'external' } as const;

export type EntryFields = (string | Buffer)[];

/** A stream entry the bus can handle, or why it cannot, with the entry as it was written. */
export type DecodedEntry =
  | { ok: true; envelope: Envelope }
  | { ok: false; problem: string; raw: Record<string, string> };

const TOPIC = /^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*$/;
const KINDS: ReadonlySet<string> = new Set<MessageKind>(['event', 'command', 'query']);
const ORIGINS: ReadonlySet<string> = new Set<MessageOrigin>(['internal', 'external', 'system']);
const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The stream entry fields of an envelope: one field per envelope property (the payload encoded
 * by the codec, headers as JSON), optional ones only when set. Throws
 * {@link PayloadTooLargeError} when the encoded payload is over `maxPayloadBytes`.
 */
export function encodeEntry(envelope: Envelope, codec: Codec, maxPayloadBytes = Infinity): EntryFields {
  const payload = codec.encode(envelope.payload);
  if (payload.length > maxPayloadBytes) throw new PayloadTooLargeError(envelope.topic, maxPayloadBytes);
  const fields: EntryFields = [
    'topic', envelope.topic,
    'payload', payload,
    'id', envelope.id,
    'kind', envelope.kind,
    'timestamp', String(envelope.timestamp),
    'priority', String(envelope.priority),
    'attempt', String(envelope.attempt),
    'maxAttempts', String(envelope.maxAttempts),
    'origin', envelope.origin,
  ];
  if (envelope.correlationId !== envelope.id) fields.push('correlationId', envelope.correlationId);
  if (envelope.causationId !== undefined) fields.push('causationId', envelope.causationId);
  if (envelope.sessionId !== undefined) fields.push('sessionId', envelope.sessionId);
  if (envelope.replyTo !== undefined) fields.push('replyTo', envelope.replyTo);
  if (envelope.deadline !== undefined) fields.push('deadline', String(envelope.deadline));
  if (hasKeys(envelope.headers)) fields.push('headers', JSON.stringify(envelope.headers));
  return fields;
}

// Most envelopes have no headers; this tells without allocating the key list.
function hasKeys(record: Record<string, string>): boolean {
  for (const _ in record) return true;
  return false;
}

/**
 * The envelope of a stream entry (`fields` as Redis returns them: name, value, …). Missing
 * optional fields take their defaults: `id` the entry id, `timestamp` the entry time,
 * `correlationId` the id, `maxAttempts` the transport's `defaultMaxAttempts`. Anything else
 * unusable makes the entry undecodable.
 */
export function decodeEntry(entryId: string, fields: Buffer[], codec: Codec, defaultMaxAttempts: number): DecodedEntry {
  const values = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i].toString(), fields[i + 1]);
  try {
    return { ok: true, envelope: toEnvelope(entryId, values, codec, defaultMaxAttempts) };
  } catch (error) {
    return { ok: false, problem: (error as Error).message, raw: rawFields(fields) };
  }
}

/** The fields of an entry as text, for a dead letter of an entry that could not be decoded. */
export function rawFields(fields: Buffer[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i].toString();
    if (!UNSAFE_KEYS.has(name)) raw[name] = fields[i + 1]?.toString() ?? '';
  }
  return raw;
}

function toEnvelope(entryId: string, values: Map<string, Buffer>, codec: Codec, defaultMaxAttempts: number): Envelope {
  const text = (name: string): string | undefined => values.get(name)?.toString();
  const topic = text('topic');
  if (topic === undefined || topic.length > 255 || !TOPIC.test(topic)) {
    throw new Error(topic === undefined ? 'no "topic" field' : `invalid topic ${JSON.stringify(topic.slice(0, 300))}`);
  }
  const encoded = values.get('payload');
  if (encoded === undefined) throw new Error('no "payload" field');
  let payload: unknown;
  try {
    payload = codec.decode(encoded);
  } catch (error) {
    throw new Error(`payload not decodable as ${codec.contentType}: ${(error as Error).message}`);
  }
  const kind = text('kind') ?? ENTRY_DEFAULTS.kind;
  if (!KINDS.has(kind)) throw new Error(`invalid kind ${JSON.stringify(kind)}`);
  const origin = text('origin') ?? ENTRY_DEFAULTS.origin;
  if (!ORIGINS.has(origin)) throw new Error(`invalid origin ${JSON.stringify(origin)}`);
  const id = text('id') ?? entryId;
  const deadline = text('deadline');
  return {
    id,
    topic,
    kind: kind as MessageKind,
    payload,
    headers: headersOf(text('headers')),
    correlationId: text('correlationId') ?? id,
    causationId: text('causationId'),
    sessionId: text('sessionId'),
    replyTo: text('replyTo'),
    timestamp: integer('timestamp', text('timestamp') ?? entryId.slice(0, entryId.indexOf('-')), 0),
    origin: origin as MessageOrigin,
    priority: integer('priority', text('priority') ?? ENTRY_DEFAULTS.priority, 0, 99),
    deadline: deadline === undefined ? undefined : integer('deadline', deadline, 0),
    attempt: integer('attempt', text('attempt') ?? ENTRY_DEFAULTS.attempt, 1),
    maxAttempts: integer('maxAttempts', text('maxAttempts') ?? defaultMaxAttempts, 1),
  };
}

function integer(name: string, value: string | number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const number = typeof value === 'number' ? value : /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new Error(`invalid ${name} ${JSON.stringify(value)}: an integer in ${min}..${max} expected`);
  }
  return number;
}

function headersOf(json: string | undefined): Record<string, string> {
  if (json === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('"headers" is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('"headers" is not a JSON object');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new Error(`header ${JSON.stringify(name)} is not a string`);
    if (!UNSAFE_KEYS.has(name)) headers[name] = value;
  }
  return headers;
}

/**
 * The envelope a dead letter of an undecodable entry carries: its raw fields as the payload,
 * its topic when that much was valid, and where it was found in the headers.
 */
export function undecodableEnvelope(entryId: string, stream: string, raw: Record<string, string>): Envelope {
  const id = raw.id ?? entryId;
  return {
    id,
    topic: raw.topic !== undefined && raw.topic.length <= 255 && TOPIC.test(raw.topic) ? raw.topic : 'undecodable',
    kind: 'event',
    payload: raw,
    headers: { 'x-bus-stream': stream, 'x-bus-entry-id': entryId },
    correlationId: id,
    timestamp: Date.now(),
    origin: 'external',
    priority: ENTRY_DEFAULTS.priority,
    attempt: 1,
    maxAttempts: 1,
  };
}
