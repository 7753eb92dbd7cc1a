import type { Codec } from '../../messages/codec.js';
import type { CodecTable } from '../../messages/codec-table.js';
import { DEFAULT_PRIORITY, type Envelope } from '../../messages/envelope.js';
import { PayloadTooLargeError } from '../../messages/errors.js';
import { inboundHeaders, isUnsafeKey, isUserHeader, MAX_ID_LENGTH, normalizeInbound, truncatedRaw, undecodableEnvelope, type InboundLimits } from '../../messages/inbound.js';

export type EntryFields = (string | Buffer)[];

/** A stream entry the bus can handle, or why it cannot, with the entry as it was written. */
export type DecodedEntry =
  | { ok: true; envelope: Envelope }
  | { ok: false; problem: string; raw: Record<string, string> };


/**
 * The stream entry fields of an envelope: one field per envelope property (the payload encoded
 * by `codec`, named by `contentType`; headers as JSON), optional ones only when set and `kind`,
 * `priority` and `attempt` only when not their defaults (`event`, 50, 1). Throws
 * {@link PayloadTooLargeError} when the encoded payload is over `maxPayloadBytes`.
 */
export function encodeEntry(envelope: Envelope, codec: Codec, maxPayloadBytes = Infinity): EntryFields {
  // A letter that keeps a message's raw bytes stores them unchanged, and a replay sends them so.
  const payload = Buffer.isBuffer(envelope.payload) ? envelope.payload : codec.encode(envelope.payload, envelope.topic);
  if (payload.length > maxPayloadBytes) throw new PayloadTooLargeError(envelope.topic, maxPayloadBytes);
  const fields: EntryFields = [
    'topic', envelope.topic,
    'payload', payload,
    'contentType', codec.contentType,
    'id', envelope.id,
    'timestamp', String(envelope.timestamp),
    'maxAttempts', String(envelope.maxAttempts),
    'origin', envelope.origin,
  ];
  // Fields equal to their decoding defaults stay off the wire: each costs the client and Redis.
  if (envelope.kind !== 'event') fields.push('kind', envelope.kind);
  if (envelope.priority !== DEFAULT_PRIORITY) fields.push('priority', String(envelope.priority));
  if (envelope.attempt !== 1) fields.push('attempt', String(envelope.attempt));
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

/** How entries are read: from a group stream (the inbound rule), or back from the dead letters. */
export interface EntryDecoding {
  codecs: CodecTable;
  defaultMaxAttempts: number;
  limits: InboundLimits;
  /** Entries this bus wrote itself (dead letters): every header is kept. */
  trusted?: boolean;
}

/**
 * The envelope of a stream entry (`fields` as Redis returns them: name, value, …), by the
 * inbound rule (`messages/inbound.ts`): missing fields take their defaults (`id` the entry id,
 * `timestamp` the entry time), invalid ones make the entry undecodable.
 */
export function decodeEntry(entryId: string, fields: Buffer[], decoding: EntryDecoding): DecodedEntry {
  const values = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i].toString(), fields[i + 1]);
  const text = (name: string): string | undefined => values.get(name)?.toString();
  const headers = headersOf(text('headers'), decoding.trusted === true);
  const inbound =
    typeof headers === 'string'
      ? { ok: false as const, problem: headers }
      : normalizeInbound(
          {
            topic: text('topic'),
            payload: values.get('payload'),
            contentType: text('contentType'),
            headers,
            id: text('id'),
            kind: text('kind'),
            correlationId: text('correlationId'),
            causationId: text('causationId'),
            sessionId: text('sessionId'),
            replyTo: text('replyTo'),
            timestamp: text('timestamp'),
            origin: text('origin'),
            priority: text('priority'),
            deadline: text('deadline'),
            attempt: text('attempt'),
            maxAttempts: text('maxAttempts'),
          },
          {
            id: entryId,
            timestamp: Number(entryId.slice(0, entryId.indexOf('-'))),
            kind: 'event',
            origin: 'external',
            priority: DEFAULT_PRIORITY,
            maxAttempts: decoding.defaultMaxAttempts,
            codecs: decoding.codecs,
            limits: decoding.limits,
          },
        );
  return inbound.ok ? inbound : { ok: false, problem: inbound.problem, raw: rawFields(fields) };
}

/** The value of the field `name` of an entry (name, value, …), if it has one. */
export function fieldOf(fields: Buffer[], name: string): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i].toString() === name) return fields[i + 1];
  return undefined;
}

/** The fields of an entry as text, each cut to its first bytes, for a dead letter of an entry that could not be decoded. */
export function rawFields(fields: Buffer[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i].toString();
    if (!isUnsafeKey(name)) raw[name] = fields[i + 1] === undefined ? '' : truncatedRaw(fields[i + 1]).toString();
  }
  return raw;
}

const keepAll = (): boolean => true;

/** The headers field (a JSON object), by the inbound header rule, or why it is unusable. */
function headersOf(json: string | undefined, keepReserved: boolean): Record<string, string> | string {
  if (json === undefined) return Object.create(null) as Record<string, string>;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return '"headers" is not JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return '"headers" is not a JSON object';
  return inboundHeaders(parsed as Record<string, unknown>, keepReserved ? keepAll : isUserHeader);
}

/**
 * The envelope a dead letter of an undecodable entry carries: its raw fields as the payload,
 * its topic when that much was valid, and where it was found in the headers.
 */
export function undecodableEntryEnvelope(entryId: string, stream: string, raw: Record<string, string>): Envelope {
  const id = raw.id !== undefined && raw.id.length > 0 && raw.id.length <= MAX_ID_LENGTH ? raw.id : entryId;
  return undecodableEnvelope({ id, topic: raw.topic, payload: raw, headers: { 'x-bus-stream': stream, 'x-bus-entry-id': entryId } });
}

/** Netstrings (`length:bytes`) of each part: binary-safe for any codec. */
export function netstrings(parts: readonly (string | Buffer)[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part) : part;
    chunks.push(Buffer.from(`${bytes.length}:`), bytes);
  }
  return Buffer.concat(chunks);
}

const COLON = 0x3a;
const MAX_LENGTH_DIGITS = 10;

/** The parts of a netstring frame, or undefined when it is not one (a hostile or foreign publisher). */
export function parseNetstrings(frame: Buffer): Buffer[] | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < frame.length) {
    const colon = frame.indexOf(COLON, at);
    if (colon < 0 || colon === at || colon - at > MAX_LENGTH_DIGITS) return undefined;
    const digits = frame.toString('latin1', at, colon);
    if (!/^\d+$/.test(digits)) return undefined;
    const end = colon + 1 + Number(digits);
    if (end > frame.length) return undefined;
    parts.push(frame.subarray(colon + 1, end));
    at = end;
  }
  return parts;
}
