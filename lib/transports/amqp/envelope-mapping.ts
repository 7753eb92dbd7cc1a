import type { Message, MessagePropertyHeaders, Options } from 'amqplib';
import type { Codec } from '../../messages/codec.js';
import { BusHeaders, type Envelope, type MessageOrigin } from '../../messages/envelope.js';
import { PayloadTooLargeError } from '../../messages/errors.js';
import { newMessageId } from '../../messages/message-id.js';
import type { QueryResult } from '../../messages/results.js';
import { DELAY_QUEUE_HEADER, type AmqpNames } from './amqp-names.js';

/** AMQP headers carrying the envelope fields that have no AMQP property. */
export const EnvelopeHeaders = {
  kind: 'x-bus-kind',
  /** A request's conversation id: its AMQP correlation_id identifies the request itself. */
  correlationId: 'x-bus-correlation-id',
  topic: 'x-bus-topic',
  attempt: 'x-bus-attempt',
  maxAttempts: 'x-bus-max-attempts',
  priority: 'x-bus-priority',
  origin: 'x-bus-origin',
  causationId: 'x-bus-causation-id',
  sessionId: 'x-bus-session-id',
  deadline: 'x-bus-deadline',
  timestamp: 'x-bus-timestamp',
} as const;

const RESERVED_PREFIX = 'x-bus-';
const KINDS: readonly string[] = ['event', 'command', 'query'];
const ORIGINS: readonly string[] = ['internal', 'external', 'system'];
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// What the broker adds when it dead-letters or redelivers a message.
const BROKER_HEADER = /^(?:x-death|x-first-death-|x-last-death-|x-delivery-count)/;
const DEFAULT_PRIORITY = 50;

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
    private readonly codec: Codec,
    private readonly names: AmqpNames,
    /** Broker priority levels; 1 means priorities are not used on the broker. */
    readonly priorityLevels: number,
    private readonly defaultMaxAttempts: number,
    private readonly maxPayloadBytes: number,
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
    const content = Buffer.isBuffer(envelope.payload) ? envelope.payload : this.codec.encode(envelope.payload);
    if (checkSize && content.length > this.maxPayloadBytes) throw new PayloadTooLargeError(envelope.topic, this.maxPayloadBytes);
    const headers: MessagePropertyHeaders = {};
    for (const key in envelope.headers) {
      if (!key.startsWith(RESERVED_PREFIX) || key === BusHeaders.targetHandler) headers[key] = envelope.headers[key];
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
    headers[EnvelopeHeaders.causationId] = envelope.causationId;
    headers[EnvelopeHeaders.sessionId] = envelope.sessionId;
    headers[EnvelopeHeaders.deadline] = envelope.deadline;
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
        contentType: this.codec.contentType,
        priority: amqpPriority,
        // Queries are answered within seconds or not at all; keeping them across a restart helps nobody.
        persistent: envelope.kind !== 'query',
        mandatory: true,
        headers,
      },
    };
  }

  /**
   * The envelope of a received message; never throws. `original` is where a message the broker
   * dead-lettered was first published (its `x-death` record): topic and kind come from there.
   */
  decode(message: Message, original?: { routingKey?: string; exchange?: string }): Decoded {
    const { properties, fields } = message;
    const raw: MessagePropertyHeaders = properties.headers ?? {};
    const fromBus = typeof raw[EnvelopeHeaders.kind] === 'string';
    const replyTo = stringOr(properties.replyTo, undefined);
    const messageId = stringOr(properties.messageId, undefined);
    const correlationId = stringOr(properties.correlationId, undefined);
    // A request is known by its correlation_id, which its reply must carry back.
    const id = (replyTo === undefined ? (messageId ?? correlationId) : (correlationId ?? messageId)) ?? newMessageId();
    const timestamp =
      integerOr(raw[EnvelopeHeaders.timestamp], undefined) ?? (typeof properties.timestamp === 'number' ? properties.timestamp * 1000 : Date.now());
    const envelope: Envelope = {
      id,
      topic: stringOr(raw[EnvelopeHeaders.topic], undefined) ?? original?.routingKey ?? fields.routingKey,
      kind: oneOf(raw[EnvelopeHeaders.kind], KINDS) ?? this.names.kindOfExchange(original?.exchange ?? fields.exchange) ?? 'event',
      payload: undefined,
      headers: stringHeaders(raw),
      correlationId: stringOr(raw[EnvelopeHeaders.correlationId], undefined) ?? (replyTo === undefined ? correlationId : undefined) ?? id,
      causationId: stringOr(raw[EnvelopeHeaders.causationId], undefined),
      sessionId: stringOr(raw[EnvelopeHeaders.sessionId], undefined),
      replyTo,
      timestamp,
      origin: (oneOf(raw[EnvelopeHeaders.origin], ORIGINS) ?? (fromBus ? 'internal' : 'external')) as MessageOrigin,
      priority: this.priorityOf(raw[EnvelopeHeaders.priority], properties.priority),
      deadline: integerOr(raw[EnvelopeHeaders.deadline], undefined),
      attempt: Math.max(1, integerOr(raw[EnvelopeHeaders.attempt], 1) as number),
      maxAttempts: Math.max(1, integerOr(raw[EnvelopeHeaders.maxAttempts], this.defaultMaxAttempts) as number),
    };
    try {
      envelope.payload = this.codec.decode(message.content);
      return { ok: true, envelope };
    } catch (thrown) {
      envelope.payload = message.content;
      const reason = thrown instanceof Error ? thrown.message : String(thrown);
      return { ok: false, envelope, error: new Error(`Body is not valid ${this.codec.contentType}: ${reason}`) };
    }
  }

  encodeReply(requestId: string, result: QueryResult<unknown>): OutgoingMessage {
    return {
      content: this.codec.encode(result),
      options: { correlationId: requestId, contentType: this.codec.contentType, persistent: false },
    };
  }

  /** The request id and result of a reply, or undefined when it is not one. */
  decodeReply(message: Message): { requestId: string; result: QueryResult<unknown> } | undefined {
    const requestId = stringOr(message.properties.correlationId, undefined);
    if (requestId === undefined) return undefined;
    try {
      const result = this.codec.decode(message.content) as QueryResult<unknown> | null;
      if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') return undefined;
      return { requestId, result };
    } catch {
      return undefined;
    }
  }

  private priorityOf(exact: unknown, amqpPriority: unknown): number {
    const priority = integerOr(exact, undefined);
    if (priority !== undefined && priority >= 0 && priority <= 99) return priority;
    return typeof amqpPriority === 'number' ? this.fromAmqpPriority(amqpPriority) : DEFAULT_PRIORITY;
  }
}

/** User headers: string-like values, minus the bus's reserved ones and the broker's dead-letter bookkeeping. */
function stringHeaders(raw: MessagePropertyHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const key in raw) {
    if (UNSAFE_KEYS.has(key) || BROKER_HEADER.test(key) || key === DELAY_QUEUE_HEADER) continue;
    if (key.startsWith(RESERVED_PREFIX) && key !== BusHeaders.targetHandler) continue;
    const value: unknown = raw[key];
    if (typeof value === 'string') headers[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') headers[key] = String(value);
    else if (Buffer.isBuffer(value)) headers[key] = value.toString('utf8');
  }
  return headers;
}

function stringOr<T extends string | undefined>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' && value.length > 0 ? value : fallback;
}

function integerOr<T extends number | undefined>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : fallback;
}

function oneOf<T extends string>(value: unknown, allowed: readonly string[]): T | undefined {
  return typeof value === 'string' && allowed.includes(value) ? (value as T) : undefined;
}
