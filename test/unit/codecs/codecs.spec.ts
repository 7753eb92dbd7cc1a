import { pack } from 'msgpackr';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, Topic } from 'nestjs-message-bus';
import { jsonCodec } from 'nestjs-message-bus/transport';
import { MessagePackCodec } from 'nestjs-message-bus/msgpack';
import { ProtobufCodec } from 'nestjs-message-bus/protobuf';
import { CodecTable } from '../../../lib/messages/codec-table.js';
import { normalizeInbound, type InboundFields } from '../../../lib/messages/inbound.js';
import { agentsCodec, agentsRoot } from '../../support/codecs.js';

const msgpack = new MessagePackCodec();

function inbound(codecs: CodecTable, topic: string, payload: Buffer, contentType?: string, maxPayloadDepth = 64) {
  const fields: InboundFields = { topic, payload, contentType, headers: {} };
  return normalizeInbound(fields, {
    id: 'm-1', timestamp: 1, kind: 'event', origin: 'external', priority: 50, maxAttempts: 3, codecs,
    limits: { maxPayloadBytes: 1 << 20, maxPayloadDepth },
  });
}

function nestedArrays(depth: number): Buffer {
  // fixarray of one element, `depth` times, around a 1.
  return Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0x01])]);
}

describe('MessagePackCodec', () => {
  it('round-trips plain values as standard MessagePack (no msgpackr records)', () => {
    const payload = { text: 'héllo', n: 1.5, big: 2 ** 40, list: [1, 'two', null], nested: { ok: true }, at: new Date(1_700_000_000_000) };
    const bytes = msgpack.encode(payload);
    expect(bytes[0]).toBe(0x86); // a fixmap of six keys, not a record extension
    expect(msgpack.decode(bytes)).toEqual(payload);
    expect(msgpack.decode(msgpack.encode(undefined))).toBeNull();
  });

  it('drops keys that could reach a prototype', () => {
    const decoded = msgpack.decode(pack({ a: 1, ['__proto__']: { polluted: true }, nested: { constructor: { prototype: { polluted: true } } } })) as Record<string, unknown>;
    expect(decoded).toEqual({ a: 1, nested: {} });
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('screens depth, extensions other than timestamp, truncation and trailing bytes before decoding', () => {
    expect(msgpack.screen(nestedArrays(64), 64)).toBeUndefined();
    expect(msgpack.screen(nestedArrays(65), 64)).toBe('payload nested deeper than maxPayloadDepth (64)');
    expect(msgpack.screen(nestedArrays(1_000_000), 64)).toMatch(/deeper/);
    // 0x78 is msgpackr's RegExp, 0x70 its cycle pointer, 0x65 an Error: never built from the wire.
    for (const type of [0x78, 0x70, 0x65, 0x73]) expect(msgpack.screen(Buffer.from([0xd4, type, 0x00]), 64)).toMatch(/extension type/);
    expect(msgpack.screen(msgpack.encode(new Date()), 64)).toBeUndefined();
    expect(msgpack.screen(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]), 64)).toBe('MessagePack cut short');
    expect(msgpack.screen(Buffer.from([0xa5, 0x61]), 64)).toBe('MessagePack cut short');
    expect(msgpack.screen(Buffer.from([0xc1]), 64)).toMatch(/0xc1/);
    expect(msgpack.screen(Buffer.from([0x01, 0x02]), 64)).toBe('bytes after the MessagePack value');
  });
});

describe('ProtobufCodec', () => {
  it('encodes a topic by its type; the handler gets a JSON-safe object with every field', async () => {
    const codec = await agentsCodec();
    const bytes = codec.encode({ agentId: 'a-1', state: 'AGENT_STATE_BUSY', sequence: '9007199254740993', skills: ['tts'], labels: { zone: 'eu' } }, 'agent.status');
    const Status = (await agentsRoot()).lookupType('agents.v1.AgentStatus');
    expect(Status.toObject(Status.decode(bytes), { longs: String, enums: String })).toMatchObject({ agentId: 'a-1', state: 'AGENT_STATE_BUSY', sequence: '9007199254740993' });
    expect(codec.decode(bytes, 'agent.status')).toEqual({
      agentId: 'a-1', state: 'AGENT_STATE_BUSY', sequence: '9007199254740993', skills: ['tts'], labels: { zone: 'eu' }, blob: '',
    });
  });

  it('carries any JSON value as google.protobuf.Value, dropping unsafe keys', async () => {
    const codec = await agentsCodec();
    for (const payload of [{ x: [1, 2], s: 'é', ok: false, none: null }, 'text', 3.5, [], null]) {
      expect(codec.decode(codec.encode(payload, 'q.echo'), 'q.echo')).toEqual(payload);
    }
    const hostile = JSON.parse('{"a":1,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    const decoded = codec.decode(codec.encode(hostile, 'any.topic'), 'any.topic') as Record<string, unknown>;
    expect(decoded).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops a map key named __proto__ from the wire', async () => {
    const Status = (await agentsRoot()).lookupType('agents.v1.AgentStatus');
    // labels entry: field 5, length-delimited { 1: "__proto__", 2: "x" }.
    const entry = protobuf.Writer.create().uint32(10).string('__proto__').uint32(18).string('x').finish();
    const bytes = protobuf.Writer.create().uint32((5 << 3) | 2).bytes(entry).finish();
    expect(Status.decode(bytes)).toBeDefined();
    const decoded = (await agentsCodec()).decode(Buffer.from(bytes), 'agent.status') as { labels: Record<string, string> };
    expect(Object.keys(decoded.labels)).toEqual([]);
    expect(Object.getPrototypeOf(decoded.labels)).toBe(Object.prototype);
  });

  it('screens message nesting by the schema, through fields and map values', async () => {
    const codec = await agentsCodec();
    let tree: Record<string, unknown> = { name: 'leaf' };
    for (let i = 0; i < 10; i++) tree = { name: `n${i}`, child: tree };
    expect(codec.screen(codec.encode(tree, 'agent.tree'), 10, 'agent.tree')).toBeUndefined();
    expect(codec.screen(codec.encode(tree, 'agent.tree'), 9, 'agent.tree')).toBe('payload nested deeper than maxPayloadDepth (9)');
    expect(codec.screen(codec.encode({ branches: { a: { branches: { b: { name: 'x' } } } } }, 'agent.tree'), 3, 'agent.tree')).toMatch(/deeper/);
    expect(codec.screen(Buffer.from([0x12, 0x7f]), 64, 'agent.tree')).toMatch(/unreadable|past the end/);
  });

  it('refuses bad options and topics it has no type for', async () => {
    const root = await agentsRoot();
    expect(() => new ProtobufCodec({ root, types: { 'a.b': 'agents.v1.Nope' } })).toThrow(InvalidOptionsError);
    expect(() => new ProtobufCodec({ types: { 'a.b': 'agents.v1.AgentStatus' } })).toThrow(InvalidOptionsError);
    const narrow = new ProtobufCodec({ root, types: { 'agent.status': root.lookupType('agents.v1.AgentStatus') } });
    expect(() => narrow.encode({}, 'other.topic')).toThrow(/no protobuf type/);
  });
});

@Topic('codec.table.Typed', { codec: new MessagePackCodec() })
class Typed {}

describe('CodecTable', () => {
  it('picks the @Topic codec, then the first matching rule, then the module codec', () => {
    const first = new MessagePackCodec();
    const second = new MessagePackCodec();
    const table = new CodecTable(jsonCodec, [{ topic: 'agent.#', codec: first }, { topic: 'agent.*', codec: second }]);
    expect(table.forTopic('agent.status')).toBe(first);
    expect(table.forTopic('other')).toBe(jsonCodec);
    expect(table.forTopic('codec.table.Typed')).toBeInstanceOf(MessagePackCodec);
    expect(Typed).toBeDefined();
  });

  it('decodes by content type, so producers with different codecs share a topic; unknown types are undecodable', () => {
    const table = new CodecTable(jsonCodec, [{ topic: 'mixed.*', codec: msgpack }]);
    const viaMsgpack = inbound(table, 'mixed.a', msgpack.encode({ n: 1 }), 'application/msgpack');
    const viaJson = inbound(table, 'mixed.a', jsonCodec.encode({ n: 2 }), 'Application/JSON; charset=utf-8');
    const untyped = inbound(table, 'mixed.a', msgpack.encode({ n: 3 }));
    expect([viaMsgpack, viaJson, untyped].map((result) => result.ok && result.envelope.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(inbound(table, 'mixed.a', Buffer.from('x'), 'text/plain')).toEqual({ ok: false, problem: 'no codec for content type "text/plain"' });
  });

  it('keeps the depth limit on every codec through the inbound rule', async () => {
    const table = new CodecTable(jsonCodec, [{ topic: 'deep.msgpack', codec: msgpack }, { topic: 'deep.proto', codec: await agentsCodec() }]);
    expect(inbound(table, 'deep.json', Buffer.from('['.repeat(5) + ']'.repeat(5)), undefined, 4)).toMatchObject({ ok: false, problem: 'payload nested deeper than maxPayloadDepth (4)' });
    expect(inbound(table, 'deep.msgpack', nestedArrays(5), undefined, 4)).toMatchObject({ ok: false, problem: 'payload nested deeper than maxPayloadDepth (4)' });
    let tree: Record<string, unknown> = {};
    for (let i = 0; i < 5; i++) tree = { child: tree };
    const codec = table.forTopic('deep.proto');
    expect(inbound(table, 'deep.proto', codec.encode({ name: 'x' }, 'agent.tree'), undefined, 4).ok).toBe(true);
    const tooDeep = (await agentsCodec()).encode(tree, 'agent.tree');
    const treeTable = new CodecTable(jsonCodec, [{ topic: 'agent.tree', codec: await agentsCodec() }]);
    expect(inbound(treeTable, 'agent.tree', tooDeep, 'application/x-protobuf', 4)).toMatchObject({ ok: false, problem: 'payload nested deeper than maxPayloadDepth (4)' });
  });

  it('refuses a rule or codec that is not one', () => {
    expect(() => new CodecTable(jsonCodec, [{ topic: 'a.b', codec: {} as never }])).toThrow(InvalidOptionsError);
    expect(() => new CodecTable(jsonCodec, [{ topic: 'bad..pattern', codec: msgpack }])).toThrow();
  });
});
