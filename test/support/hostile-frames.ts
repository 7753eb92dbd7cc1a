import { Injectable } from '@nestjs/common';
import type { Options } from 'amqplib';
import { expect } from 'vitest';
import { EventHandler, type DeadLetter, type DeadLetterReason, type Envelope, type MessageContext } from 'nestjs-message-bus';
import { MAX_RAW_BYTES } from '../../lib/messages/inbound.js';
import { until, type BusApp } from './bus-app.js';

/**
 * Hostile messages a foreign producer can write straight to a broker, each with the one outcome
 * the bus must reach: handled (and acked) or dead-lettered with a reason.
 */

/** What must become of a frame: handled, or dead-lettered for this reason (its error matching `problem`). */
export type HostileOutcome = { handled: true } | { reason: DeadLetterReason; problem?: RegExp };

/** A payload the test handler throws on: with `maxAttempts` 1 it must end `ATTEMPTS_EXHAUSTED`. */
const FAIL_MARKER = 'please-fail';
/** A payload the test handler makes circular before it throws: its dead letter cannot encode it again. */
const ENTANGLE_MARKER = 'please-entangle';
const ENTANGLED_PAYLOAD = `{"${ENTANGLE_MARKER}":true,"n":7}`;

/** Keys a frame tries to smuggle into prototypes or past the reserved-header rule (`x-bus-handler` limits a message to one handler). */
const SMUGGLED = { header: 'x-bus-handler', flag: 'isAdmin' } as const;

const nestedArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number, leaf = '1'): string => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
/** JSON nested exactly `depth` levels, the innermost object carrying the fail marker. */
const failingAtDepth = (depth: number): string => `${'{"a":'.repeat(depth - 1)}{"${FAIL_MARKER}":true}${'}'.repeat(depth - 1)}`;
const MIB = 1024 * 1024;
const big = (bytes: number): string => `"${'x'.repeat(bytes)}"`;
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
const PROTO_PAYLOAD = `{"safe":1,"__proto__":{"${SMUGGLED.flag}":true},"constructor":{"prototype":{"${SMUGGLED.flag}":true}}}`;

/** Stream entry fields after `XADD <stream> *`, given a valid topic of the test handler. */
export type RedisForm = (topic: string) => (string | Buffer)[];

/**
 * A message a plain amqplib client publishes to the event exchange, the handler's topic as its
 * routing key; `headers` may hold keys such as `__proto__` as own properties.
 */
export interface AmqpForm {
  content: Buffer;
  options: Options.Publish;
}

/**
 * One hostile message and the one outcome it must reach on every broker. A frame has a form for
 * each broker that can carry it (AMQP has no entry without a topic or a payload; a Redis field is
 * always text), and both specs hold every frame of their broker to the same outcome.
 */
/** A message a plain nats client publishes with JetStream to a group's subject; NATS headers are text only. */
export interface NatsForm {
  body: Buffer;
  headers?: Record<string, string>;
}

export interface HostileFrame {
  name: string;
  outcome: HostileOutcome;
  /** The payload its dead letter must keep, when it is not the raw bytes cut to a cap. */
  letterPayload?: unknown;
  /** The headers its handler must see, all of them. */
  seenHeaders?: Record<string, string>;
  redis?: RedisForm;
  amqp?: AmqpForm;
  nats?: NatsForm;
}

// amqplib refuses a header table above 64 KiB, so long AMQP headers stay just under it.
const LONG = 60_000;
const amqpBody = (content: string | Buffer, headers?: Record<string, unknown>): AmqpForm => ({
  content: Buffer.isBuffer(content) ? content : Buffer.from(content),
  options: headers === undefined ? {} : { headers },
});
const SMUGGLING_HEADERS = `{"__proto__":{"${SMUGGLED.header}":"Any.handler","${SMUGGLED.flag}":"yes"},"tenant":"t1"}`;
const DROPPED_HEADERS = { 'x-bus-stream': 'elsewhere', 'x-bus-unknown': 7, tenant: 't2', count: 3 };
const undecodable = (problem: RegExp): HostileOutcome => ({ reason: 'UNDECODABLE', problem });
const natsBody = (body: string | Buffer, headers?: Record<string, string>): NatsForm => ({
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  ...(headers === undefined ? {} : { headers }),
});
/** A frame whose one oddity is its payload, written alike to every broker. */
const payloadFrame = (name: string, outcome: HostileOutcome, payload: string): HostileFrame => ({
  name,
  outcome,
  redis: (topic) => ['topic', topic, 'payload', payload],
  amqp: amqpBody(payload),
  nats: natsBody(payload),
});

/** Every hostile frame, for the Redis (raw ioredis XADD), RabbitMQ (raw amqplib publish) and NATS (raw JetStream publish) specs. */
export const hostileFrames: HostileFrame[] = [
  payloadFrame('payload nested 100,000 arrays deep', undecodable(/maxPayloadDepth/), nestedArrays(100_000)),
  payloadFrame('payload nested 5,000 objects deep', undecodable(/maxPayloadDepth/), nestedObjects(5_000)),
  {
    name: 'payload at the depth limit, handler fails',
    outcome: { reason: 'ATTEMPTS_EXHAUSTED' },
    redis: (topic) => ['topic', topic, 'payload', failingAtDepth(64), 'maxAttempts', '1'],
    amqp: amqpBody(failingAtDepth(64), { 'x-bus-max-attempts': 1 }),
    nats: natsBody(failingAtDepth(64), { 'x-bus-max-attempts': '1' }),
  },
  // Its letter cannot encode the payload again (a cycle): it is stored with the bytes the message came with.
  {
    name: 'payload the handler makes circular, handler fails',
    outcome: { reason: 'ATTEMPTS_EXHAUSTED' },
    letterPayload: JSON.parse(ENTANGLED_PAYLOAD),
    redis: (topic) => ['topic', topic, 'payload', ENTANGLED_PAYLOAD, 'maxAttempts', '1'],
    amqp: amqpBody(ENTANGLED_PAYLOAD, { 'x-bus-max-attempts': 1 }),
    nats: natsBody(ENTANGLED_PAYLOAD, { 'x-bus-max-attempts': '1' }),
  },
  // The NATS server's max_payload (1 MiB by default) refuses this before the bus sees it.
  {
    name: 'payload of 2 MiB',
    outcome: undecodable(/maxPayloadBytes/),
    redis: (topic) => ['topic', topic, 'payload', big(2 * MIB)],
    amqp: amqpBody(big(2 * MIB)),
  },
  // An AMQP message id is a short string (255 bytes at most): only Redis can carry a long one.
  { name: 'id of 100 kB', outcome: undecodable(/invalid id/), redis: (topic) => ['topic', topic, 'payload', '1', 'id', 'i'.repeat(100_000)] },
  {
    name: 'correlation id of 60 kB',
    outcome: undecodable(/invalid correlationId/),
    redis: (topic) => ['topic', topic, 'payload', '1', 'correlationId', 'c'.repeat(LONG)],
    amqp: amqpBody('1', { 'x-bus-correlation-id': 'c'.repeat(LONG) }),
    nats: natsBody('1', { 'x-bus-correlation-id': 'c'.repeat(LONG) }),
  },
  {
    name: 'topic of 60 kB',
    outcome: undecodable(/invalid topic/),
    redis: () => ['topic', `hostile.${'t'.repeat(LONG)}`, 'payload', '1'],
    amqp: amqpBody('1', { 'x-bus-topic': `hostile.${'t'.repeat(LONG)}` }),
    nats: natsBody('1', { 'x-bus-topic': `hostile.${'t'.repeat(LONG)}` }),
  },
  {
    name: 'topic "#"',
    outcome: undecodable(/invalid topic/),
    redis: () => ['topic', '#', 'payload', '1'],
    amqp: amqpBody('1', { 'x-bus-topic': '#' }),
    nats: natsBody('1', { 'x-bus-topic': '#' }),
  },
  {
    name: 'payload of invalid UTF-8',
    outcome: undecodable(/not decodable/),
    redis: (topic) => ['topic', topic, 'payload', INVALID_UTF8],
    amqp: amqpBody(INVALID_UTF8),
    nats: natsBody(INVALID_UTF8),
  },
  { name: 'payload "{"', outcome: undecodable(/not decodable/), redis: (topic) => ['topic', topic, 'payload', '{'], amqp: amqpBody('{'), nats: natsBody('{') },
  {
    name: 'empty payload',
    outcome: undecodable(/not decodable/),
    redis: (topic) => ['topic', topic, 'payload', ''],
    amqp: amqpBody(Buffer.alloc(0)),
    nats: natsBody(Buffer.alloc(0)),
  },
  // Every AMQP message has a routing key and a body.
  { name: 'no topic', outcome: undecodable(/no topic/), redis: () => ['hello', 'world'] },
  { name: 'no payload', outcome: undecodable(/no payload/), redis: (topic) => ['topic', topic] },
  {
    name: 'attempt "abc"',
    outcome: undecodable(/invalid attempt/),
    redis: (topic) => ['topic', topic, 'payload', '1', 'attempt', 'abc'],
    amqp: amqpBody('1', { 'x-bus-attempt': 'abc' }),
    nats: natsBody('1', { 'x-bus-attempt': 'abc' }),
  },
  {
    name: 'priority 1e3',
    outcome: undecodable(/invalid priority/),
    redis: (topic) => ['topic', topic, 'payload', '1', 'priority', '1e3'],
    amqp: amqpBody('1', { 'x-bus-priority': '1e3' }),
    nats: natsBody('1', { 'x-bus-priority': '1e3' }),
  },
  {
    name: 'kind "job"',
    outcome: undecodable(/invalid kind/),
    redis: (topic) => ['topic', topic, 'payload', '1', 'kind', 'job'],
    amqp: amqpBody('1', { 'x-bus-kind': 'job' }),
    nats: natsBody('1', { 'x-bus-kind': 'job' }),
  },
  // A Redis field is always text; an AMQP header can be a number.
  { name: 'kind as a number', outcome: undecodable(/invalid kind/), amqp: amqpBody('1', { 'x-bus-kind': 5 }) },
  { name: 'max attempts as a table', outcome: undecodable(/header "x-bus-max-attempts" is not text/), amqp: amqpBody('1', { 'x-bus-max-attempts': { n: 3 } }) },
  { name: 'headers not JSON', outcome: undecodable(/headers/), redis: (topic) => ['topic', topic, 'payload', '1', 'headers', '{'] },
  {
    name: 'headers smuggling a reserved header through __proto__',
    outcome: { handled: true },
    seenHeaders: { tenant: 't1' },
    redis: (topic) => ['topic', topic, 'payload', '1', 'headers', SMUGGLING_HEADERS],
    amqp: amqpBody('1', JSON.parse(SMUGGLING_HEADERS) as Record<string, unknown>),
    // NATS headers are text, with no nesting to hide a header in: `__proto__` and `constructor`
    // arrive as header names of their own (a plain x-bus-handler is a producer's right, not smuggling).
    nats: natsBody('1', JSON.parse(`{"__proto__":"${SMUGGLED.flag}","constructor":"yes","tenant":"t1"}`) as Record<string, string>),
  },
  {
    name: 'reserved header of the wrong type',
    outcome: undecodable(/header "x-bus-attempt" is not text/),
    redis: (topic) => ['topic', topic, 'payload', '1', 'headers', '{"x-bus-attempt":{"n":7}}'],
    amqp: amqpBody('1', { 'x-bus-attempt': { n: 7 } }),
  },
  {
    name: 'user header of the wrong type',
    outcome: undecodable(/header "tenant" is not text/),
    redis: (topic) => ['topic', topic, 'payload', '1', 'headers', '{"tenant":["a"]}'],
    amqp: amqpBody('1', { tenant: ['a'] }),
  },
  {
    name: 'reserved header as text, dropped',
    outcome: { handled: true },
    seenHeaders: { tenant: 't2', count: '3' },
    redis: (topic) => ['topic', topic, 'payload', '1', 'headers', JSON.stringify(DROPPED_HEADERS)],
    amqp: amqpBody('1', DROPPED_HEADERS),
    nats: natsBody('1', { 'x-bus-stream': 'elsewhere', 'x-bus-unknown': '7', tenant: 't2', count: '3' }),
  },
  payloadFrame('payload with __proto__ and constructor keys', { handled: true }, PROTO_PAYLOAD),
];

/** The limits {@link limitFrames} are sent under: the depth raised above its default, the size lowered. */
export const APP_LIMITS = { maxPayloadDepth: 100, maxPayloadBytes: 4096 } as const;

/** Frames at and just past {@link APP_LIMITS}: the limits an app sets are those its consumers check. */
export const limitFrames: HostileFrame[] = [
  payloadFrame('payload nested 100 arrays deep, at the raised depth', { handled: true }, nestedArrays(100)),
  payloadFrame('payload nested 101 arrays deep', undecodable(/nested deeper than maxPayloadDepth \(100\)/), nestedArrays(101)),
  payloadFrame('payload of 4,000 bytes, under the lowered size', { handled: true }, big(4000)),
  payloadFrame('payload of 5,000 bytes', undecodable(/maxPayloadBytes \(4096\)/), big(5000)),
];

/** The frames a broker can carry, each with its form for that broker. */
export function framesOf<B extends 'redis' | 'amqp' | 'nats'>(broker: B, frames = hostileFrames): (HostileFrame & Required<Pick<HostileFrame, B>>)[] {
  return frames.filter((frame): frame is HostileFrame & Required<Pick<HostileFrame, B>> => frame[broker] !== undefined);
}

/** An outcome as text, for one readable comparison of the whole table. */
function outcomeText(outcome: HostileOutcome, problem?: string): string {
  if ('handled' in outcome) return 'handled';
  return problem === undefined ? outcome.reason : `${outcome.reason}: ${problem}`;
}

/** What every frame of `frames` must end as, by name; the problem is the pattern's source. */
function expectedOutcomes(frames: { name: string; outcome: HostileOutcome }[]): Record<string, string> {
  return Object.fromEntries(frames.map((frame) => [frame.name, outcomeText(frame.outcome, 'problem' in frame.outcome ? frame.outcome.problem?.source : undefined)]));
}

/** A dead letter as the outcome text of the frame it belongs to: its problem shown as the pattern it matches. */
function letterOutcome(frame: { outcome: HostileOutcome }, letter: { reason: DeadLetterReason; error?: { message: string } }): string {
  const pattern = 'problem' in frame.outcome ? frame.outcome.problem : undefined;
  if (pattern === undefined) return letter.reason;
  const message = letter.error?.message ?? '';
  return `${letter.reason}: ${pattern.test(message) ? pattern.source : message.slice(0, 200)}`;
}

/** A payload {@link HostileTarget} fails on. */
export const FAIL_PAYLOAD = `{"${FAIL_MARKER}":true}`;

/** The topic every frame is sent to (or claims); {@link HostileTarget} handles `hostile.#`. */
export const HOSTILE_TOPIC = 'hostile.frame';

/** The handler of the hostile specs: keeps what it saw, throws on the fail marker (first making an entangle-marked payload circular). */
@Injectable()
export class HostileTarget {
  readonly seen: Envelope[] = [];
  @EventHandler('hostile.#')
  on(payload: unknown, context: MessageContext) {
    this.seen.push(context.envelope);
    if (typeof payload === 'object' && payload !== null && ENTANGLE_MARKER in payload) {
      Object.assign(payload, { self: payload });
      throw new Error('the handler entangled this payload');
    }
    if (JSON.stringify(payload).includes(FAIL_MARKER)) throw new Error('the handler refuses this payload');
  }
}

export interface HostileRun<F extends HostileFrame> {
  /** A running app with {@link HostileTarget} among its providers. */
  app: BusApp;
  frames: F[];
  /** Writes a frame through the broker's raw client; resolves the id the bus will know it by. */
  send(frame: F): Promise<string>;
  /** The id of the frame a dead letter belongs to. */
  frameIdOf(letter: DeadLetter): string;
}

/**
 * Sends every frame and waits until each is settled: handled once (a failing handler's frame
 * also dead-lettered), or dead-lettered once; then holds each frame to its outcome, and checks
 * what handlers saw (header maps without a prototype, no reserved header, nothing smuggled) and
 * that no log line echoes a long field. Nothing is left unsettled is the caller's broker check.
 */
export async function settleHostileFrames<F extends HostileFrame>({ app, frames, send, frameIdOf }: HostileRun<F>): Promise<void> {
  const before = prototypeSnapshot();
  const byId = new Map<string, F>();
  for (const frame of frames) byId.set(await send(frame), frame);

  const target = app.get(HostileTarget);
  const letterCount = frames.filter((frame) => !('handled' in frame.outcome)).length;
  const handlerRuns = frames.length - letterCount + frames.filter((frame) => frame.name.includes('handler fails')).length;
  // A frame left unsettled shows up as missing in the comparison below, which names it.
  await until(async () => target.seen.length === handlerRuns && (await app.bus.deadLetters.count()) === letterCount, 15_000).catch(() => undefined);

  const actual: Record<string, string> = {};
  for (const envelope of target.seen) {
    const frame = byId.get(envelope.id) as F;
    if ('handled' in frame.outcome) actual[frame.name] = 'handled';
  }
  const letters = await app.bus.deadLetters.list({ limit: 100 });
  for (const letter of letters) {
    const frame = byId.get(frameIdOf(letter)) as F;
    actual[frame.name] = letterOutcome(frame, letter);
  }
  expect(actual).toEqual(expectedOutcomes(frames));
  expectLetterPayloads(frames, letters, (letter) => byId.get(frameIdOf(letter)) as F);
  expect(app.bus.getStats()).toMatchObject({ deadLettered: letterCount, deadLetterFailures: 0 });

  // Header maps have no prototype to inherit from; reserved headers never reach a handler.
  for (const envelope of target.seen) {
    expect(Object.getPrototypeOf(envelope.headers)).toBeNull();
    expect(Object.keys(envelope.headers).filter((name) => name.startsWith('x-bus-'))).toEqual([]);
    expect((envelope.headers as Record<string, unknown>)[SMUGGLED.header]).toBeUndefined();
    expect((envelope.payload as Record<string, unknown> | number)[SMUGGLED.flag as never]).toBeUndefined();
  }
  // A frame's handler saw its headers, all of them.
  const headersSeen: Record<string, Record<string, string>> = {};
  for (const envelope of target.seen) {
    const frame = byId.get(envelope.id) as F;
    if (frame.seenHeaders !== undefined) headersSeen[frame.name] = { ...envelope.headers };
  }
  const withHeaders = frames.filter((frame) => frame.seenHeaders !== undefined);
  expect(headersSeen).toEqual(Object.fromEntries(withHeaders.map((frame) => [frame.name, frame.seenHeaders])));
  expect(prototypeSnapshot()).toEqual(before);
  expect(({} as Record<string, unknown>)[SMUGGLED.flag]).toBeUndefined();

  // Ids and topics are quoted cut short: no log line echoes a 60 kB field.
  expect(Math.max(...app.logger.lines.map((line) => line.length))).toBeLessThan(2_000);
}

/**
 * A letter of an undecodable message keeps the raw bytes it came with (Redis: the entry's fields
 * as text), none above the cap, the 2 MiB payload cut to exactly the cap; a frame's own
 * `letterPayload` is what its letter must hold instead.
 */
function expectLetterPayloads<F extends HostileFrame>(frames: F[], letters: DeadLetter[], frameOf: (letter: DeadLetter) => F): void {
  const expected: Record<string, unknown> = {};
  const actual: Record<string, unknown> = {};
  for (const letter of letters) {
    const frame = frameOf(letter);
    if (frame.letterPayload !== undefined) actual[frame.name] = letter.envelope.payload;
    else if (letter.reason === 'UNDECODABLE') actual[frame.name] = rawSize(letter.envelope.payload);
  }
  for (const frame of frames) {
    if (frame.letterPayload !== undefined) expected[frame.name] = frame.letterPayload;
    else if (!('handled' in frame.outcome) && frame.outcome.reason === 'UNDECODABLE') {
      expected[frame.name] = frame.name === 'payload of 2 MiB' ? MAX_RAW_BYTES : expect.any(Number);
    }
  }
  expect(actual).toEqual(expected);
  expect(Math.max(...Object.values(actual).filter((size): size is number => typeof size === 'number'))).toBeLessThanOrEqual(MAX_RAW_BYTES);
}

/**
 * Bytes of a raw body, or of the longest raw field of a Redis entry; a body the dead-letter queue
 * decodes when listed (`1` of a message with a wrong header) counts as its JSON.
 */
function rawSize(payload: unknown): number {
  if (Buffer.isBuffer(payload)) return payload.length;
  if (typeof payload !== 'object' || payload === null) return Buffer.byteLength(JSON.stringify(payload) ?? '');
  return Math.max(0, ...Object.values(payload).map((value) => Buffer.byteLength(String(value))));
}

/** The own property names of `Object.prototype`, to show that no frame added any. */
function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}
