import { describe, expect, it } from 'vitest';
import { pack } from 'msgpackr';
import { MessagePackCodec } from 'nestjs-message-bus/msgpack';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { AgentWatcher } from '../../support/agents.js';
import { agentsCodec, agentsRoot } from '../../support/codecs.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const root = await agentsRoot();
const Status = root.lookupType('agents.v1.AgentStatus');

describe.skipIf(!available)('redis: codecs with plain ioredis producers and consumers', () => {
  const { namespaces, apps, redis } = useRedisFixture();
  let prefix: string;
  const start = async () => {
    prefix = namespaces.next();
    const transport = new RedisTransport({ url: REDIS_URL, prefix });
    const codecs = [{ topic: 'agent.#', codec: await agentsCodec() }];
    return apps.start({ transport, providers: [AgentWatcher], options: { serviceName: 'agents', codecs } });
  };
  const stream = () => `{${prefix}}:q:agents:5`;
  const statusBytes = (agentId: string) => Buffer.from(Status.encode(Status.fromObject({ agentId, state: 'AGENT_STATE_BUSY', sequence: 7 })).finish());

  it('hands protobuf, MessagePack and JSON entries of one topic to the typed handler, each by its contentType', async () => {
    const app = await start();
    await redis.xadd(stream(), '*', 'topic', 'agent.status', 'payload', statusBytes('proto-typed'), 'contentType', 'application/x-protobuf');
    // Without a contentType an entry is read with its topic's codec: protobuf here.
    await redis.xadd(stream(), '*', 'topic', 'agent.status', 'payload', statusBytes('proto-untyped'));
    await redis.xadd(stream(), '*', 'topic', 'agent.status', 'payload', pack({ agentId: 'msgpack', skills: ['a'] }), 'contentType', 'application/msgpack');
    await redis.xadd(stream(), '*', 'topic', 'agent.status', 'payload', '{"agentId":"json"}', 'contentType', 'application/json');
    const watcher = app.get(AgentWatcher);
    await until(() => watcher.seen.length === 2);
    expect(watcher.seen.map(({ status }) => status.agentId)).toEqual(['proto-typed', 'proto-untyped']);
    expect(watcher.seen[0].status).toEqual({ agentId: 'proto-typed', state: 'AGENT_STATE_BUSY', sequence: '7', skills: [], labels: {}, blob: '' });
    // MessagePack was never configured: its content type names no codec of this bus.
    await until(async () => (await app.bus.deadLetters.count()) === 1);
    await until(() => watcher.seen.length === 3);
    expect(watcher.seen[2].status).toEqual({ agentId: 'json' });
    const [letter] = await app.bus.deadLetters.list();
    expect(letter).toMatchObject({ reason: 'UNDECODABLE', error: { message: 'no codec for content type "application/msgpack"' } });
    expect(letter.envelope.payload).toMatchObject({ topic: 'agent.status', contentType: 'application/msgpack' });
  });

  it('decodes MessagePack once the bus knows the codec: mixed producers on one topic', async () => {
    prefix = namespaces.next();
    const transport = new RedisTransport({ url: REDIS_URL, prefix });
    const codecs = [{ topic: 'agent.#', codec: await agentsCodec() }, { topic: 'legacy.#', codec: new MessagePackCodec() }];
    const app = await apps.start({ transport, providers: [AgentWatcher], options: { serviceName: 'agents', codecs } });
    await redis.xadd(stream(), '*', 'topic', 'agent.status', 'payload', pack({ agentId: 'msgpack' }), 'contentType', 'application/msgpack');
    await redis.xadd(stream(), '*', 'topic', 'agent.status', 'payload', statusBytes('proto'), 'contentType', 'application/x-protobuf');
    await until(() => app.get(AgentWatcher).seen.length === 2);
    expect(app.get(AgentWatcher).seen.map(({ status }) => status.agentId).sort()).toEqual(['msgpack', 'proto']);
  });

  it('writes entries a plain consumer decodes with the same .proto, named by their contentType', async () => {
    const app = await start();
    await app.bus.publish('agent.status', { agentId: 'from-bus', state: 'AGENT_STATE_IDLE', sequence: '12', labels: { zone: 'eu' } });
    await until(() => app.get(AgentWatcher).seen.length === 1);
    const [[, fields]] = await redis.xrangeBuffer(stream(), '-', '+');
    const byName = new Map<string, Buffer>();
    for (let i = 0; i < fields.length; i += 2) byName.set(fields[i].toString(), fields[i + 1]);
    expect(byName.get('contentType')?.toString()).toBe('application/x-protobuf');
    const decoded = Status.toObject(Status.decode(byName.get('payload')!), { longs: String, enums: String });
    expect(decoded).toEqual({ agentId: 'from-bus', state: 'AGENT_STATE_IDLE', sequence: '12', labels: { zone: 'eu' } });
  });
});
