import { canonicalMIMEHeaderKey, headers as natsHeaders, MsgHdrsImpl, type MsgHdrs } from '@nats-io/transport-node';
import { REPLY_TOPIC } from '../../messages/codec.js';
import type { CodecTable } from '../../messages/codec-table.js';
import type { DeadLetter } from '../../messages/dead-letter.js';
import { DEFAULT_PRIORITY, type Envelope, type MessageKind } from '../../messages/envelope.js';
import { PayloadTooLargeError } from '../../messages/errors.js';
import { inboundHeaders, isUserHeader, MAX_ID_LENGTH, normalizeInbound, truncatedRaw, undecodableEnvelope, type InboundLimits } from '../../messages/inbound.js';
import type { QueryResult } from '../../messages/results.js';
import { DeadLetterHeaders, EnvelopeHeaders, envelopeHeaderFields, isDeadLetterReason } from '../shared/envelope-headers.js';

/** Headers of the NATS mapping next to the shared envelope ones: what AMQP keeps in properties. */
export const NatsHeaders = {
  ...EnvelopeHeaders,
  id: 'x-bus-id',
  replyTo: 'x-bus-reply-to',
  /** Epoch ms before which a delayed copy (a retry, `delayMs`) is not handled: it is nak'ed with the rest of its delay. */
  notBefore: 'x-bus-not-before',
  /** The codec's content type: which codec decodes the body (JSON when absent). */
  contentType: 'x-bus-content-type',
  /** On a reply: the request it answers. */
  requestId: 'x-bus-request-id',
  messageId: 'Nats-Msg-Id',
} as const;

/** A message as read from NATS: subject, body, headers and what the broker knows of it. */
export interface WireMessage {
  subject: string;
  data: Uint8Array;
  headers?: MsgHdrs;
  /** Core NATS reply subject (queries). */
  reply?: string;
}

export type Decoded = { ok: true; envelope: Envelope; notBefore?: number } | { ok: false; envelope: Envelope; problem: string };

/** What decoding assumes for a field the wire does not carry. */
export interface WireDefaults {
  id: string;
  timestamp: number;
  kind: MessageKind;
  /** The topic the subject names, for messages without `x-bus-topic`. */
  topic?: string;
}

/**
 * Envelope <-> NATS message. The body is the encoded payload alone and every envelope field is
 * an `x-bus-*` header, so a plain NATS client reads and writes bus messages; fields equal to
 * what decoding assumes (first attempt, default priority, internal origin) are left out.
 */
export class NatsEnvelopeMapping {
  constructor(
    private readonly codecs: CodecTable,
    private readonly defaultMaxAttempts: number,
    private readonly limits: InboundLimits,
  ) {}

  /** The body of an envelope; throws `PayloadTooLargeError` over `maxPayloadBytes` when `checkSize`. */
  body(envelope: Envelope, checkSize = true): Uint8Array {
    // A letter that could not be decoded keeps its raw bytes, and a replay sends them unchanged.
    const body = Buffer.isBuffer(envelope.payload) ? envelope.payload : this.codecs.forTopic(envelope.topic).encode(envelope.payload, envelope.topic);
    if (checkSize && body.length > this.limits.maxPayloadBytes) throw new PayloadTooLargeError(envelope.topic, this.limits.maxPayloadBytes);
    return body;
  }

  headers(envelope: Envelope, notBefore?: number, messageId?: string): MsgHdrs {
    return headersOf(this.headerFields(envelope, notBefore), messageId);
  }

  /**
   * The header fields of an envelope, to be made into the headers of each copy with
   * {@link headersOf}: built once per publish, however many copies go out.
   */
  headerFields(envelope: Envelope, notBefore?: number): HeaderFields {
    // Built as a record and handed over whole: `MsgHdrs.set` searches every key it holds, twice, per field.
    const wire: HeaderFields = {};
    for (const key in envelope.headers) {
      if (!isUserHeader(key)) continue;
      // Checked as `set` checks it: a name the NATS protocol cannot carry throws.
      canonicalMIMEHeaderKey(key);
      wire[key] = headerValue(envelope.headers[key]);
    }
    wire[NatsHeaders.id] = headerValue(envelope.id);
    wire[NatsHeaders.kind] = headerValue(envelope.kind);
    wire[NatsHeaders.topic] = headerValue(envelope.topic);
    wire[NatsHeaders.timestamp] = [String(envelope.timestamp)];
    wire[NatsHeaders.maxAttempts] = [String(envelope.maxAttempts)];
    wire[NatsHeaders.contentType] = headerValue(this.codecs.forTopic(envelope.topic).contentType);
    if (envelope.attempt !== 1) wire[NatsHeaders.attempt] = [String(envelope.attempt)];
    if (envelope.priority !== DEFAULT_PRIORITY) wire[NatsHeaders.priority] = [String(envelope.priority)];
    if (envelope.origin !== 'internal') wire[NatsHeaders.origin] = headerValue(envelope.origin);
    if (envelope.correlationId !== envelope.id) wire[NatsHeaders.correlationId] = headerValue(envelope.correlationId);
    if (envelope.causationId !== undefined) wire[NatsHeaders.causationId] = headerValue(envelope.causationId);
    if (envelope.sessionId !== undefined) wire[NatsHeaders.sessionId] = headerValue(envelope.sessionId);
    if (envelope.deadline !== undefined) wire[NatsHeaders.deadline] = [String(envelope.deadline)];
    if (envelope.replyTo !== undefined) wire[NatsHeaders.replyTo] = headerValue(envelope.replyTo);
    if (notBefore !== undefined) wire[NatsHeaders.notBefore] = [String(notBefore)];
    return wire;
  }

  /** The envelope of a received message by the inbound rule (`messages/inbound.ts`); never throws. */
  decode(message: WireMessage, defaults: WireDefaults, trusted = false): Decoded {
    const wire = wireHeaders(message.headers);
    const fromBus = wire[NatsHeaders.kind] !== undefined;
    const headers = inboundHeaders(wire, isUserHeader, isBrokerHeader);
    const body = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
    const id = text(wire[NatsHeaders.id]);
    if (typeof headers === 'string') return { ok: false, envelope: this.undecodable(body, id, defaults, wire), problem: headers };
    const inbound = normalizeInbound(
      {
        topic: wire[NatsHeaders.topic] ?? defaults.topic,
        payload: body,
        headers,
        id,
        ...envelopeHeaderFields(wire),
        replyTo: wire[NatsHeaders.replyTo] ?? (message.reply || undefined),
        contentType: wire[NatsHeaders.contentType],
      },
      {
        id: defaults.id,
        timestamp: defaults.timestamp,
        kind: defaults.kind,
        origin: fromBus ? 'internal' : 'external',
        priority: DEFAULT_PRIORITY,
        maxAttempts: this.defaultMaxAttempts,
        codecs: this.codecs,
        limits: trusted ? { maxPayloadBytes: Infinity, maxPayloadDepth: Infinity } : this.limits,
      },
    );
    if (!inbound.ok) return { ok: false, envelope: this.undecodable(body, id, defaults, wire), problem: inbound.problem };
    const notBefore = Number(wire[NatsHeaders.notBefore]);
    return Number.isFinite(notBefore) ? { ok: true, envelope: inbound.envelope, notBefore } : inbound;
  }

  /** Body and headers of a reply; the body is the result alone, as a plain requester expects. */
  reply(requestId: string, result: QueryResult<unknown>): { data: Uint8Array; headers: MsgHdrs } {
    const wire = natsHeaders();
    wire.set(NatsHeaders.requestId, requestId);
    return { data: this.codecs.fallback.encode(result, REPLY_TOPIC), headers: wire };
  }

  decodeReply(message: WireMessage): { requestId: string; result: QueryResult<unknown> } | undefined {
    const requestId = message.headers?.get(NatsHeaders.requestId);
    if (!requestId) return undefined;
    try {
      const result = this.codecs.fallback.decode(Buffer.from(message.data), REPLY_TOPIC) as QueryResult<unknown> | null;
      if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') return undefined;
      return { requestId, result };
    } catch {
      return undefined;
    }
  }

  /** A dead letter as a message: the envelope's body and headers plus the letter's own. */
  letter(letter: DeadLetter): { data: Uint8Array; headers: MsgHdrs } {
    const wire = this.headers(letter.envelope);
    wire.set(DeadLetterHeaders.id, letter.id);
    wire.set(DeadLetterHeaders.reason, letter.reason);
    wire.set(DeadLetterHeaders.at, String(letter.deadLetteredAt));
    if (letter.error !== undefined) wire.set(DeadLetterHeaders.error, oneLine(letter.error.message));
    if (letter.error?.code !== undefined) wire.set(DeadLetterHeaders.errorCode, letter.error.code);
    if (letter.handler !== undefined) wire.set(DeadLetterHeaders.handler, letter.handler);
    if (letter.group !== undefined) wire.set(DeadLetterHeaders.group, letter.group);
    return { data: this.body(letter.envelope, false), headers: wire };
  }

  decodeLetter(message: WireMessage, defaults: WireDefaults): DeadLetter {
    const decoded = this.decode(message, defaults, true);
    const get = (name: string): string | undefined => message.headers?.get(name) || undefined;
    const { envelope } = decoded;
    const reason = get(DeadLetterHeaders.reason);
    const error = get(DeadLetterHeaders.error);
    const at = Number(get(DeadLetterHeaders.at));
    return {
      id: get(DeadLetterHeaders.id) ?? `nats:${defaults.id}`,
      envelope,
      reason: isDeadLetterReason(reason) ? reason : 'REJECTED',
      error: error === undefined ? undefined : { message: error, code: get(DeadLetterHeaders.errorCode) },
      deadLetteredAt: Number.isFinite(at) ? at : defaults.timestamp,
      handler: get(DeadLetterHeaders.handler),
      group: get(DeadLetterHeaders.group),
    };
  }

  /** What the dead letter of an undecodable message carries: its raw body, and its topic when valid. */
  private undecodable(body: Buffer, id: string | undefined, defaults: WireDefaults, wire: Record<string, unknown>): Envelope {
    const valid = id !== undefined && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : defaults.id;
    const headers = inboundHeaders(wire, isUserHeader, isBrokerHeader);
    return undecodableEnvelope({
      id: valid,
      topic: wire[NatsHeaders.topic] ?? defaults.topic,
      payload: truncatedRaw(body),
      headers: typeof headers === 'string' ? (Object.create(null) as Record<string, string>) : headers,
    });
  }
}

/** The headers of a message as own properties (first value of each), on an object without a prototype. */
function wireHeaders(raw: MsgHdrs | undefined): Record<string, unknown> {
  const wire: Record<string, unknown> = Object.create(null);
  if (raw === undefined) return wire;
  // Iterated, not looked up: `MsgHdrs.get` searches every key it holds.
  for (const [key, values] of raw) wire[key] = values[0];
  return wire;
}

/** Header fields by name, one value each, as {@link NatsEnvelopeMapping.headerFields} builds them. */
export type HeaderFields = Record<string, string[]>;

/** The headers of one copy of a message: its fields, and its `Nats-Msg-Id` when given. */
export function headersOf(fields: HeaderFields, messageId?: string): MsgHdrs {
  return MsgHdrsImpl.fromRecord(messageId === undefined ? fields : { ...fields, [NatsHeaders.messageId]: [messageId] });
}

// As `MsgHdrs.set` checks and stores a value: no line break, trimmed.
function headerValue(value: string): string[] {
  return [MsgHdrsImpl.validHeaderValue(value)];
}

// NATS's own headers (Nats-Msg-Id, Nats-Expected-*, status lines) are neither checked nor kept.
function isBrokerHeader(key: string): boolean {
  return /^nats-/i.test(key);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

// A header value cannot hold a line break.
function oneLine(message: string): string {
  return message.replace(/[\r\n]+/g, ' ');
}
