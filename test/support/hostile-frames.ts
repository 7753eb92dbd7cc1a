import type { Options } from 'amqplib';
import type { DeadLetterReason } from 'nestjs-message-bus';

/**
 * Hostile messages a foreign producer can write straight to a broker, each with the one outcome
 * the bus must reach: handled (and acked) or dead-lettered with a reason. One table per broker
 * drives its spec: raw ioredis XADD, raw amqplib publish, raw nats JetStream publish.
 */

/** What must become of a frame: handled, or dead-lettered for this reason (its error matching `problem`). */
export type HostileOutcome = { handled: true } | { reason: DeadLetterReason; problem?: RegExp };

/** A payload the test handler throws on: with `maxAttempts` 1 it must end `ATTEMPTS_EXHAUSTED`. */
export const FAIL_MARKER = 'please-fail';

/** Keys a frame tries to smuggle into prototypes or past the reserved-header rule. */
export const SMUGGLED = { header: 'x-bus-target-handler', flag: 'isAdmin' } as const;

const nestedArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number, leaf = '1'): string => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
/** JSON nested exactly `depth` levels, the innermost object carrying the fail marker. */
const failingAtDepth = (depth: number): string => `${'{"a":'.repeat(depth - 1)}{"${FAIL_MARKER}":true}${'}'.repeat(depth - 1)}`;
const MIB = 1024 * 1024;
const big = (bytes: number): string => `"${'x'.repeat(bytes)}"`;
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
const PROTO_PAYLOAD = `{"safe":1,"__proto__":{"${SMUGGLED.flag}":true},"constructor":{"prototype":{"${SMUGGLED.flag}":true}}}`;

export interface RedisFrame {
  name: string;
  /** Stream entry fields after `XADD <stream> *`; `topic` is a valid topic of the test handler. */
  fields(topic: string): (string | Buffer)[];
  outcome: HostileOutcome;
}

/** Entries written with `XADD` to a group stream. */
export const redisFrames: RedisFrame[] = [
  { name: 'payload nested 100,000 arrays deep', fields: (topic) => ['topic', topic, 'payload', nestedArrays(100_000)], outcome: { reason: 'UNDECODABLE', problem: /maxPayloadDepth/ } },
  { name: 'payload nested 5,000 objects deep', fields: (topic) => ['topic', topic, 'payload', nestedObjects(5_000)], outcome: { reason: 'UNDECODABLE', problem: /maxPayloadDepth/ } },
  { name: 'payload at the depth limit, handler fails', fields: (topic) => ['topic', topic, 'payload', failingAtDepth(64), 'maxAttempts', '1'], outcome: { reason: 'ATTEMPTS_EXHAUSTED' } },
  { name: 'payload of 2 MiB', fields: (topic) => ['topic', topic, 'payload', big(2 * MIB)], outcome: { reason: 'UNDECODABLE', problem: /maxPayloadBytes/ } },
  { name: 'id of 100 kB', fields: (topic) => ['topic', topic, 'payload', '1', 'id', 'i'.repeat(100_000)], outcome: { reason: 'UNDECODABLE', problem: /invalid id/ } },
  { name: 'topic of 100 kB', fields: () => ['topic', `hostile.${'t'.repeat(100_000)}`, 'payload', '1'], outcome: { reason: 'UNDECODABLE', problem: /invalid topic/ } },
  { name: 'topic "#"', fields: () => ['topic', '#', 'payload', '1'], outcome: { reason: 'UNDECODABLE', problem: /invalid topic/ } },
  { name: 'payload of invalid UTF-8', fields: (topic) => ['topic', topic, 'payload', INVALID_UTF8], outcome: { reason: 'UNDECODABLE', problem: /not decodable/ } },
  { name: 'payload "{"', fields: (topic) => ['topic', topic, 'payload', '{'], outcome: { reason: 'UNDECODABLE', problem: /not decodable/ } },
  { name: 'empty payload', fields: (topic) => ['topic', topic, 'payload', ''], outcome: { reason: 'UNDECODABLE', problem: /not decodable/ } },
  { name: 'no topic', fields: () => ['hello', 'world'], outcome: { reason: 'UNDECODABLE', problem: /no topic/ } },
  { name: 'no payload', fields: (topic) => ['topic', topic], outcome: { reason: 'UNDECODABLE', problem: /no payload/ } },
  { name: 'attempt "abc"', fields: (topic) => ['topic', topic, 'payload', '1', 'attempt', 'abc'], outcome: { reason: 'UNDECODABLE', problem: /invalid attempt/ } },
  { name: 'priority 1e3', fields: (topic) => ['topic', topic, 'payload', '1', 'priority', '1e3'], outcome: { reason: 'UNDECODABLE', problem: /invalid priority/ } },
  { name: 'kind "job"', fields: (topic) => ['topic', topic, 'payload', '1', 'kind', 'job'], outcome: { reason: 'UNDECODABLE', problem: /invalid kind/ } },
  { name: 'headers not JSON', fields: (topic) => ['topic', topic, 'payload', '1', 'headers', '{'], outcome: { reason: 'UNDECODABLE', problem: /headers/ } },
  {
    name: 'headers smuggling a reserved header through __proto__',
    fields: (topic) => ['topic', topic, 'payload', '1', 'headers', `{"__proto__":{"${SMUGGLED.header}":"Any.handler","${SMUGGLED.flag}":"yes"},"tenant":"t1"}`],
    outcome: { handled: true },
  },
  { name: 'reserved header of the wrong type', fields: (topic) => ['topic', topic, 'payload', '1', 'headers', '{"x-bus-attempt":{"n":7}}'], outcome: { reason: 'UNDECODABLE', problem: /header "x-bus-attempt" is not text/ } },
  { name: 'user header of the wrong type', fields: (topic) => ['topic', topic, 'payload', '1', 'headers', '{"tenant":["a"]}'], outcome: { reason: 'UNDECODABLE', problem: /header "tenant" is not text/ } },
  { name: 'reserved header as text, dropped', fields: (topic) => ['topic', topic, 'payload', '1', 'headers', '{"x-bus-kind":"command","x-bus-attempt":7,"tenant":"t2","count":3}'], outcome: { handled: true } },
  { name: 'payload with __proto__ and constructor keys', fields: (topic) => ['topic', topic, 'payload', PROTO_PAYLOAD], outcome: { handled: true } },
];

export interface AmqpFrame {
  name: string;
  /** Routing key of the event exchange, given a valid topic of the test handler. */
  routingKey(topic: string): string;
  content: Buffer;
  /** Properties; `headers` may hold keys such as `__proto__` as own properties. */
  options: Options.Publish;
  outcome: HostileOutcome;
}

// amqplib refuses a header table above 64 KiB, so long fields stay just under it.
const LONG = 60_000;

/** Messages a plain amqplib client publishes to the event exchange. */
export const amqpFrames: AmqpFrame[] = [
  { name: 'body nested 100,000 arrays deep', routingKey: (topic) => topic, content: Buffer.from(nestedArrays(100_000)), options: {}, outcome: { reason: 'UNDECODABLE', problem: /maxPayloadDepth/ } },
  { name: 'body nested 5,000 objects deep', routingKey: (topic) => topic, content: Buffer.from(nestedObjects(5_000)), options: {}, outcome: { reason: 'UNDECODABLE', problem: /maxPayloadDepth/ } },
  {
    name: 'body at the depth limit, handler fails',
    routingKey: (topic) => topic,
    content: Buffer.from(failingAtDepth(64)),
    options: { headers: { 'x-bus-max-attempts': 1 } },
    outcome: { reason: 'ATTEMPTS_EXHAUSTED' },
  },
  { name: 'body of 2 MiB', routingKey: (topic) => topic, content: Buffer.from(big(2 * MIB)), options: {}, outcome: { reason: 'UNDECODABLE', problem: /maxPayloadBytes/ } },
  { name: 'correlation id of 60 kB', routingKey: (topic) => topic, content: Buffer.from('1'), options: { headers: { 'x-bus-correlation-id': 'c'.repeat(LONG) } }, outcome: { reason: 'UNDECODABLE', problem: /invalid correlationId/ } },
  { name: 'topic header of 60 kB', routingKey: (topic) => topic, content: Buffer.from('1'), options: { headers: { 'x-bus-topic': `hostile.${'t'.repeat(LONG)}` } }, outcome: { reason: 'UNDECODABLE', problem: /invalid topic/ } },
  { name: 'body of invalid UTF-8', routingKey: (topic) => topic, content: INVALID_UTF8, options: {}, outcome: { reason: 'UNDECODABLE', problem: /not decodable/ } },
  { name: 'body "{"', routingKey: (topic) => topic, content: Buffer.from('{'), options: {}, outcome: { reason: 'UNDECODABLE', problem: /not decodable/ } },
  { name: 'empty body', routingKey: (topic) => topic, content: Buffer.alloc(0), options: {}, outcome: { reason: 'UNDECODABLE', problem: /not decodable/ } },
  { name: 'attempt "abc"', routingKey: (topic) => topic, content: Buffer.from('1'), options: { headers: { 'x-bus-attempt': 'abc' } }, outcome: { reason: 'UNDECODABLE', problem: /invalid attempt/ } },
  { name: 'attempt as a table', routingKey: (topic) => topic, content: Buffer.from('1'), options: { headers: { 'x-bus-attempt': { n: 1 } } }, outcome: { reason: 'UNDECODABLE', problem: /header "x-bus-attempt" is not text/ } },
  { name: 'kind as a number', routingKey: (topic) => topic, content: Buffer.from('1'), options: { headers: { 'x-bus-kind': 5 } }, outcome: { reason: 'UNDECODABLE', problem: /invalid kind/ } },
  {
    name: 'headers smuggling a reserved header through __proto__',
    routingKey: (topic) => topic,
    content: Buffer.from('1'),
    options: { headers: JSON.parse(`{"__proto__":{"${SMUGGLED.header}":"Any.handler","${SMUGGLED.flag}":"yes"},"tenant":"t1"}`) as Record<string, unknown> },
    outcome: { handled: true },
  },
  { name: 'reserved header of the wrong type', routingKey: (topic) => topic, content: Buffer.from('1'), options: { headers: { 'x-bus-unknown': ['a'] } }, outcome: { reason: 'UNDECODABLE', problem: /header "x-bus-unknown" is not text/ } },
  { name: 'user header of the wrong type', routingKey: (topic) => topic, content: Buffer.from('1'), options: { headers: { tenant: ['a'] } }, outcome: { reason: 'UNDECODABLE', problem: /header "tenant" is not text/ } },
  { name: 'reserved header as text, dropped', routingKey: (topic) => topic, content: Buffer.from('1'), options: { headers: { 'x-bus-stream': 'elsewhere', 'x-bus-unknown': 7, tenant: 't2', count: 3 } }, outcome: { handled: true } },
  { name: 'body with __proto__ and constructor keys', routingKey: (topic) => topic, content: Buffer.from(PROTO_PAYLOAD), options: {}, outcome: { handled: true } },
];

/** An outcome as text, for one readable comparison of the whole table. */
export function outcomeText(outcome: HostileOutcome, problem?: string): string {
  if ('handled' in outcome) return 'handled';
  return problem === undefined ? outcome.reason : `${outcome.reason}: ${problem}`;
}

/** What every frame of `frames` must end as, by name; the problem is the pattern's source. */
export function expectedOutcomes(frames: { name: string; outcome: HostileOutcome }[]): Record<string, string> {
  return Object.fromEntries(frames.map((frame) => [frame.name, outcomeText(frame.outcome, 'problem' in frame.outcome ? frame.outcome.problem?.source : undefined)]));
}

/** A dead letter as the outcome text of the frame it belongs to: its problem shown as the pattern it matches. */
export function letterOutcome(frame: { outcome: HostileOutcome }, letter: { reason: DeadLetterReason; error?: { message: string } }): string {
  const pattern = 'problem' in frame.outcome ? frame.outcome.problem : undefined;
  if (pattern === undefined) return letter.reason;
  const message = letter.error?.message ?? '';
  return `${letter.reason}: ${pattern.test(message) ? pattern.source : message.slice(0, 200)}`;
}

/** True when the handler is to fail on this payload. */
export function asksToFail(payload: unknown): boolean {
  return JSON.stringify(payload).includes(FAIL_MARKER);
}

/** The own property names of `Object.prototype`, to show that no frame added any. */
export function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

export interface NatsFrame {
  name: string;
  /** Body of a JetStream publish to a group subject (`<stream>.g.<group>.event.<topic>`). */
  body: Buffer;
  /** NATS headers: text only, so wrongly typed values cannot be sent. */
  headers?: Record<string, string>;
  outcome: HostileOutcome;
}

/**
 * Messages a plain nats client publishes to a group's subject. The server's `max_payload` (1 MiB
 * by default) refuses a body over the bus's default `maxPayloadBytes` before the bus sees it.
 */
export const natsFrames: NatsFrame[] = [
  { name: 'body nested 100,000 arrays deep', body: Buffer.from(nestedArrays(100_000)), outcome: { reason: 'UNDECODABLE', problem: /maxPayloadDepth/ } },
  { name: 'body nested 5,000 objects deep', body: Buffer.from(nestedObjects(5_000)), outcome: { reason: 'UNDECODABLE', problem: /maxPayloadDepth/ } },
  { name: 'body at the depth limit, handler fails', body: Buffer.from(failingAtDepth(64)), headers: { 'x-bus-max-attempts': '1' }, outcome: { reason: 'ATTEMPTS_EXHAUSTED' } },
  { name: 'id of 60 kB', body: Buffer.from('1'), headers: { 'x-bus-id': 'i'.repeat(LONG) }, outcome: { reason: 'UNDECODABLE', problem: /invalid id/ } },
  { name: 'topic header of 60 kB', body: Buffer.from('1'), headers: { 'x-bus-topic': `hostile.${'t'.repeat(LONG)}` }, outcome: { reason: 'UNDECODABLE', problem: /invalid topic/ } },
  { name: 'topic header "#"', body: Buffer.from('1'), headers: { 'x-bus-topic': '#' }, outcome: { reason: 'UNDECODABLE', problem: /invalid topic/ } },
  { name: 'body of invalid UTF-8', body: INVALID_UTF8, outcome: { reason: 'UNDECODABLE', problem: /not decodable/ } },
  { name: 'body "{"', body: Buffer.from('{'), outcome: { reason: 'UNDECODABLE', problem: /not decodable/ } },
  { name: 'empty body', body: Buffer.alloc(0), outcome: { reason: 'UNDECODABLE', problem: /not decodable/ } },
  { name: 'attempt "abc"', body: Buffer.from('1'), headers: { 'x-bus-attempt': 'abc' }, outcome: { reason: 'UNDECODABLE', problem: /invalid attempt/ } },
  { name: 'priority 1e3', body: Buffer.from('1'), headers: { 'x-bus-priority': '1e3' }, outcome: { reason: 'UNDECODABLE', problem: /invalid priority/ } },
  { name: 'kind "job"', body: Buffer.from('1'), headers: { 'x-bus-kind': 'job' }, outcome: { reason: 'UNDECODABLE', problem: /invalid kind/ } },
  {
    name: 'headers __proto__ and constructor, and a reserved header',
    body: Buffer.from('1'),
    headers: JSON.parse(`{"__proto__":"${SMUGGLED.flag}","constructor":"yes","${SMUGGLED.header}":"Any.handler","tenant":"t1"}`) as Record<string, string>,
    outcome: { handled: true },
  },
  { name: 'reserved header as text, dropped', body: Buffer.from('1'), headers: { 'x-bus-unknown': '7', tenant: 't2', count: '3' }, outcome: { handled: true } },
  { name: 'body with __proto__ and constructor keys', body: Buffer.from(PROTO_PAYLOAD), outcome: { handled: true } },
];
