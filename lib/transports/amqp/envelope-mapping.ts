import type { Message, MessagePropertyHeaders, Options } from 'amqplib';
import { REPLY_TOPIC } from '../../messages/codec.js';
import type { CodecTable } from '../../messages/codec-table.js';
import { DEFAULT_PRIORITY, type Envelope } from '../../messages/envelope.js';
import { PayloadTooLargeError } from '../../messages/errors.js';
import { inboundHeaders, isUnsafeKey, isUserHeader, MAX_ID_LENGTH, normalizeInbound, truncatedRaw, undecodableEnvelope, type InboundLimits } from '../../messages/inbound.js';
import { newMessageId } from '../../messages/message-id.js';
import type { QueryResult } from '../../messages/results.js';
import { DELAY_QUEUE_HEADER, type AmqpNames } from './amqp-names.js';
import { EnvelopeHeaders, envelopeHeaderFields } from '../shared/envelope-headers.js';

// What the broker adds when it dead-letters, redelivers, federates or shovels a message.
const BROKER_HEADER = /^(?:x-death$|x-first-death-|x-last-death-|x-delivery-count$|x-received-from$|x-shovelled)/;

/** An AMQP message ready for `publish`. */
export interface OutgoingMessage {
  content: Buffer;
  options: Options.Publish;
}

/** A received message as an envelope; `payload` is the raw body when it did not decode. */
export type Decoded = { ok: true; envelope: Envelope } | { ok: false; envelope: Envelope; error: Error };

/**
 * Envelope <-> AMQP message. The body is the encoded payload alone, so plain AMQP clients can
 * produce and consume it; every other field travels in a property or an `x-bus-*` header.
 */
export class EnvelopeMapping {
  private readonly maxAmqpPriority: number;

  constructor(
    private readonly codecs: CodecTable,
    private readonly names: AmqpNames,
    /** Broker priority levels; 1 means priorities are not used on the broker. */
    readonly priorityLevels: number,
    private readonly defaultMaxAttempts: number,
    private readonly limits: InboundLimits,
  ) {
    this.maxAmqpPriority = priorityLevels - 1;
  }

  /** Bus priority 0..99 (lower first) onto AMQP 0..levels-1 (higher first), in equal bands. */
  toAmqpPriority(priority: number): number {
    return this.maxAmqpPriority - Math.floor((priority * this.priorityLevels) / 100);
  }

  /** AMQP priority onto the lowest bus priority of its band; for messages without `x-bus-priority`. */
  fromAmqpPriority(amqpPriority: number): number {
    const level = Math.min(Math.max(amqpPriority, 0), this.maxAmqpPriority);
    return Math.floor(((this.maxAmqpPriority - level) * 100) / this.priorityLevels);
  }

  /** Throws `PayloadTooLargeError` when `checkSize` and the body exceeds `maxPayloadBytes`. */
  encode(envelope: Envelope, checkSize = true): OutgoingMessage {
    // A letter that could not be decoded keeps its raw bytes, and a replay sends them unchanged.
    const codec = this.codecs.forTopic(envelope.topic);
    const content = Buffer.isBuffer(envelope.payload) ? envelope.payload : codec.encode(envelope.payload, envelope.topic);
    if (checkSize && content.length > this.limits.maxPayloadBytes) throw new PayloadTooLargeError(envelope.topic, this.limits.maxPayloadBytes);
    const headers: MessagePropertyHeaders = {};
    for (const key in envelope.headers) {
      if (isUserHeader(key)) headers[key] = envelope.headers[key];
    }
    // The broker parses every header of every message: those equal to what decoding assumes
    // (first attempt, internal origin, a priority the AMQP priority gives back) are left out.
    const amqpPriority = this.priorityLevels > 1 ? this.toAmqpPriority(envelope.priority) : undefined;
    headers[EnvelopeHeaders.kind] = envelope.kind;
    headers[EnvelopeHeaders.topic] = envelope.topic;
    if (envelope.attempt !== 1) headers[EnvelopeHeaders.attempt] = envelope.attempt;
    headers[EnvelopeHeaders.maxAttempts] = envelope.maxAttempts;
    if (amqpPriority === undefined || this.fromAmqpPriority(amqpPriority) !== envelope.priority) {
      headers[EnvelopeHeaders.priority] = envelope.priority;
    }
    if (envelope.origin !== 'internal') headers[EnvelopeHeaders.origin] = envelope.origin;
    headers[EnvelopeHeaders.timestamp] = envelope.timestamp;
    if (envelope.causationId !== undefined) headers[EnvelopeHeaders.causationId] = envelope.causationId;
    if (envelope.sessionId !== undefined) headers[EnvelopeHeaders.sessionId] = envelope.sessionId;
    if (envelope.deadline !== undefined) headers[EnvelopeHeaders.deadline] = envelope.deadline;
    // The RPC convention: a reply carries its request's correlation_id, so a request's
    // correlation_id is its id, and the conversation it belongs to moves to a header.
    const request = envelope.replyTo !== undefined;
    if (request) headers[EnvelopeHeaders.correlationId] = envelope.correlationId;
    return {
      content,
      options: {
        messageId: envelope.id,
        correlationId: request ? envelope.id : envelope.correlationId,
        replyTo: envelope.replyTo,
        timestamp: Math.floor(envelope.timestamp / 1000),
        contentType: codec.contentType,
        priority: amqpPriority,
        // Queries are answered within seconds or not at all; keeping them across a restart helps nobody.
        persistent: envelope.kind !== 'query',
        mandatory: true,
        headers,
      },
    };
  }

  /**
   * The envelope of a received message by the inbound rule (`messages/inbound.ts`); never
   * throws. `original` is where a message the broker dead-lettered was first published (its
   * `x-death` record): topic and kind come from there. An undecodable message keeps its raw
   * body (cut to a cap) as the payload, for its dead letter.
   */
  decode(message: Message, original?: { routingKey?: string; exchange?: string }): Decoded {
    const { properties, fields } = message;
    const wire = ownHeaders(properties.headers);
    const fromBus = wire[EnvelopeHeaders.kind] !== undefined;
    const replyTo = stringOr(properties.replyTo, undefined);
    const messageId = stringOr(properties.messageId, undefined);
    const correlationId = stringOr(properties.correlationId, undefined);
    // A request is known by its correlation_id, which its reply must carry back.
    const wireId = replyTo === undefined ? (messageId ?? correlationId) : (correlationId ?? messageId);
    const headers = userHeaders(wire);
    if (typeof headers === 'string') return { ok: false, envelope: this.undecodable(message, wireId, wire), error: new Error(headers) };
    const inbound = normalizeInbound(
      {
        topic: wire[EnvelopeHeaders.topic] ?? original?.routingKey ?? fields.routingKey,
        payload: message.content,
        contentType: properties.contentType,
        headers,
        id: wireId,
        ...envelopeHeaderFields(wire),
        correlationId: wire[EnvelopeHeaders.correlationId] ?? (replyTo === undefined ? correlationId : undefined),
        replyTo,
      },
      {
        id: wireId ?? newMessageId(),
        timestamp: typeof properties.timestamp === 'number' ? properties.timestamp * 1000 : Date.now(),
        kind: this.names.kindOfExchange(original?.exchange ?? fields.exchange) ?? 'event',
        origin: fromBus ? 'internal' : 'external',
        priority: typeof properties.priority === 'number' ? this.fromAmqpPriority(properties.priority) : DEFAULT_PRIORITY,
        maxAttempts: this.defaultMaxAttempts,
        codecs: this.codecs,
        limits: this.limits,
      },
    );
    if (inbound.ok) return inbound;
    return { ok: false, envelope: this.undecodable(message, wireId, wire), error: new Error(inbound.problem) };
  }

  /** What the dead letter of an undecodable message carries: its raw body, and its topic when valid. */
  private undecodable(message: Message, wireId: string | undefined, wire: WireHeaders): Envelope {
    const topic = wire[EnvelopeHeaders.topic] ?? message.fields.routingKey;
    const id = wireId !== undefined && wireId.length <= MAX_ID_LENGTH ? wireId : newMessageId();
    return undecodableEnvelope({ id, topic, payload: truncatedRaw(message.content), headers: withoutTypeProblem(userHeaders(wire)) });
  }

  encodeReply(requestId: string, result: QueryResult<unknown>): OutgoingMessage {
    return {
      content: this.codecs.fallback.encode(result, REPLY_TOPIC),
      options: { correlationId: requestId, contentType: this.codecs.fallback.contentType, persistent: false },
    };
  }

  /** The request id and result of a reply, or undefined when it is not one. */
  decodeReply(message: Message): { requestId: string; result: QueryResult<unknown> } | undefined {
    const requestId = stringOr(message.properties.correlationId, undefined);
    if (requestId === undefined) return undefined;
    try {
      const result = this.codecs.fallback.decode(message.content, REPLY_TOPIC) as QueryResult<unknown> | null;
      if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') return undefined;
      return { requestId, result };
    } catch {
      return undefined;
    }
  }
}

/** The headers of a frame as own properties only, on an object without a prototype. */
type WireHeaders = Record<string, unknown>;

// amqplib builds the header table by assignment, so a `__proto__` header became a prototype:
// only own keys are read, into an object that has none.
function ownHeaders(raw: MessagePropertyHeaders | undefined): WireHeaders {
  const headers: WireHeaders = Object.create(null);
  if (raw === undefined || raw === null) return headers;
  for (const key of Object.keys(raw)) if (!isUnsafeKey(key)) headers[key] = raw[key];
  return headers;
}

/** User headers by the inbound header rule, minus the broker's own bookkeeping; or why they are unusable. */
function userHeaders(wire: WireHeaders): Record<string, string> | string {
  return inboundHeaders(wire, isUserHeader, isBrokerHeader);
}

// The letter of a message whose headers were unusable keeps none: its raw body tells the story.
function withoutTypeProblem(headers: Record<string, string> | string): Record<string, string> {
  return typeof headers === 'string' ? (Object.create(null) as Record<string, string>) : headers;
}

function isBrokerHeader(key: string): boolean {
  return BROKER_HEADER.test(key) || key === DELAY_QUEUE_HEADER;
}

function stringOr<T extends string | undefined>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' && value.length > 0 ? value : fallback;
}
