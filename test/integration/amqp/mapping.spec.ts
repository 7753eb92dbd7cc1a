import type { Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { jsonCodec, type Envelope } from 'nestjs-message-bus/transport';
import { AmqpNames, delayBucket } from '../../../lib/transports/amqp/amqp-names.js';
import { CredentialScrubber } from '../../../lib/transports/shared/credentials.js';
import { EnvelopeMapping } from '../../../lib/transports/amqp/envelope-mapping.js';
import { CodecTable } from '../../../lib/messages/codec-table.js';

// The pure parts of the RabbitMQ transport: no broker needed.

const names = new AmqpNames('shop', 'shop');
const mapping = new EnvelopeMapping(new CodecTable(jsonCodec), names, 10, 3, { maxPayloadBytes: 1024, maxPayloadDepth: 64 });

const envelope = (overrides: Partial<Envelope> = {}): Envelope => ({
  id: 'id-1',
  topic: 'orders.created',
  kind: 'event',
  payload: { n: 1 },
  headers: { tenant: 'acme' },
  correlationId: 'conv-1',
  timestamp: 1_700_000_000_123,
  origin: 'internal',
  priority: 50,
  attempt: 1,
  maxAttempts: 3,
  ...overrides,
});

/** What the broker hands a consumer for a message published with `outgoing`. */
function received(outgoing: ReturnType<EnvelopeMapping['encode']>, exchange: string, routingKey: string): Message {
  const { options } = outgoing;
  return {
    content: outgoing.content,
    fields: { deliveryTag: 1, redelivered: false, exchange, routingKey },
    properties: {
      contentType: options.contentType,
      contentEncoding: undefined,
      headers: options.headers,
      deliveryMode: options.persistent ? 2 : 1,
      priority: options.priority,
      correlationId: options.correlationId,
      replyTo: options.replyTo,
      expiration: undefined,
      messageId: options.messageId,
      timestamp: options.timestamp,
      type: undefined,
      userId: undefined,
      appId: undefined,
      clusterId: undefined,
    },
  };
}

describe('RabbitMQ envelope mapping', () => {
  it('maps bus priority 0..99 (lower first) onto 10 AMQP levels (higher first), in bands of 10', () => {
    expect([0, 9, 10, 49, 50, 89, 90, 99].map((p) => mapping.toAmqpPriority(p))).toEqual([9, 9, 8, 5, 4, 1, 0, 0]);
    expect([9, 8, 4, 0, 200].map((p) => mapping.fromAmqpPriority(p))).toEqual([0, 10, 50, 90, 0]);
  });

  it('round-trips an envelope: payload in the body, the rest in properties and headers', () => {
    const original = envelope({ causationId: 'cause-1', sessionId: 's-1', deadline: 1_700_000_009_000, attempt: 2, headers: { tenant: 'acme', 'x-bus-handler': 'A.b' } });
    const outgoing = mapping.encode(original);
    expect(JSON.parse(outgoing.content.toString())).toEqual({ n: 1 });
    expect(outgoing.options).toMatchObject({ messageId: 'id-1', correlationId: 'conv-1', priority: 4, persistent: true, mandatory: true, timestamp: 1_700_000_000 });
    expect(mapping.decode(received(outgoing, 'shop', 'orders.created'))).toEqual({ ok: true, envelope: original });
  });

  it('gives a request its id as correlation_id, the RPC convention, and keeps its conversation in a header', () => {
    const request = envelope({ kind: 'query', replyTo: 'amq.rabbitmq.reply-to.abc' });
    const outgoing = mapping.encode(request);
    expect(outgoing.options).toMatchObject({ correlationId: 'id-1', persistent: false });
    expect(outgoing.options.headers).toMatchObject({ 'x-bus-correlation-id': 'conv-1' });
    expect(mapping.decode(received(outgoing, 'shop.query', 'orders.created'))).toEqual({ ok: true, envelope: request });
  });

  it('reads what a plain client sends: topic from the routing key, kind from the exchange, origin external', () => {
    const plain = received({ content: Buffer.from('{"a":1}'), options: { priority: 9, headers: { n: 5, x: Buffer.from('y') } } }, 'shop.command', 'orders.cancel');
    const decoded = mapping.decode(plain);
    expect(decoded).toMatchObject({
      ok: true,
      envelope: { topic: 'orders.cancel', kind: 'command', payload: { a: 1 }, origin: 'external', priority: 0, attempt: 1, maxAttempts: 3, headers: { n: '5', x: 'y' } },
    });
    expect(decoded.envelope.correlationId).toBe(decoded.envelope.id);
  });

  it('keeps the raw bytes of a body that does not decode, and sends them back unchanged', () => {
    const decoded = mapping.decode(received({ content: Buffer.from('not json'), options: {} }, 'shop', 'a.b'));
    expect(decoded.ok).toBe(false);
    expect(decoded.envelope.payload).toEqual(Buffer.from('not json'));
    expect(mapping.encode(decoded.envelope).content.toString()).toBe('not json');
  });

  it('refuses a body over maxPayloadBytes', () => {
    expect(() => mapping.encode(envelope({ payload: 'x'.repeat(2000) }))).toThrow(/exceeds maxPayloadBytes \(1024\)/);
  });

  it('rounds delays up to two significant digits, so retries share a few delay queues', () => {
    expect([0, 1, 20, 99, 100, 101, 1234, 2000, 29_999, 30_000].map(delayBucket)).toEqual([1, 1, 20, 99, 100, 110, 1300, 2000, 30_000, 30_000]);
  });

  it('masks credentials in any text that mentions the URL', () => {
    const url = 'amqps://bus:S3cret-pw@rabbit:5671/prod';
    const scrubber = new CredentialScrubber(url);
    expect(scrubber.scrub(`failed on ${url} (password S3cret-pw)`)).toBe('failed on amqps://bus:***@rabbit:5671/prod (password ***)');
    expect(scrubber.scrub('to amqp://x:other@h/')).toBe('to amqp://x:***@h/');
  });
});
