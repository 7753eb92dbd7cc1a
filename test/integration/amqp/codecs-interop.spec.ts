import type { ConsumeMessage } from 'amqplib';
import { beforeEach, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { AgentWatcher } from '../../support/agents.js';
import { agentsCodec, agentsRoot } from '../../support/codecs.js';
import { useAmqpFixture } from './support/amqp-fixture.js';
import type { PlainClient } from './support/plain-client.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);
const root = await agentsRoot();
const Status = root.lookupType('agents.v1.AgentStatus');

describe.runIf(available)('RabbitMQ: protobuf with plain amqplib producers and consumers', () => {
  const fixture = useAmqpFixture('codecs-interop');
  const { apps } = fixture;
  let exchange: string;
  let plain: PlainClient;
  const start = async () => {
    const codecs = [{ topic: 'agent.#', codec: await agentsCodec() }];
    return apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [AgentWatcher], options: { serviceName: 'agents', codecs } });
  };
  beforeEach(() => {
    ({ exchange, plain } = fixture);
  });
  const statusBytes = (agentId: string) => Buffer.from(Status.encode(Status.fromObject({ agentId, state: 'AGENT_STATE_BUSY', sequence: 7, skills: ['tts'] })).finish());

  it('hands a protobuf body a plain producer publishes with a routing key to the typed handler', async () => {
    const app = await start();
    expect(await plain.publish(exchange, 'agent.status', statusBytes('typed'), { contentType: 'application/x-protobuf' })).toBe(true);
    // No content type: the topic's codec reads it.
    expect(await plain.publish(exchange, 'agent.status', statusBytes('untyped'), { contentType: undefined })).toBe(true);
    // JSON from another producer on the same topic, named by its content type.
    expect(await plain.publish(exchange, 'agent.status', { agentId: 'json' })).toBe(true);
    const watcher = app.get(AgentWatcher);
    await until(() => watcher.seen.length === 3);
    expect(watcher.seen.map(({ status }) => status.agentId)).toEqual(['typed', 'untyped', 'json']);
    expect(watcher.seen[0].status).toEqual({ agentId: 'typed', state: 'AGENT_STATE_BUSY', sequence: '7', skills: ['tts'], labels: {}, blob: '' });
    expect(watcher.seen[0].context.envelope).toMatchObject({ topic: 'agent.status', origin: 'external' });
  });

  it('dead-letters a body of a content type no codec has as UNDECODABLE, and keeps consuming', async () => {
    const app = await start();
    expect(await plain.publish(exchange, 'agent.status', Buffer.from('hello'), { contentType: 'text/plain' })).toBe(true);
    expect(await plain.publish(exchange, 'agent.status', statusBytes('after'), { contentType: 'application/x-protobuf' })).toBe(true);
    await until(() => app.get(AgentWatcher).seen.length === 1);
    await until(async () => (await app.bus.deadLetters.count()) === 1);
    const [letter] = await app.bus.deadLetters.list();
    expect(letter).toMatchObject({ reason: 'UNDECODABLE', envelope: { topic: 'agent.status' }, error: { message: 'no codec for content type "text/plain"' } });
  });

  it('sends protobuf a plain consumer decodes with the same .proto', async () => {
    const app = await start();
    const { queue } = await plain.channel.assertQueue('', { exclusive: true });
    await plain.channel.bindQueue(queue, exchange, 'agent.#');
    const received = new Promise<ConsumeMessage>((resolve) => {
      void plain.channel.consume(queue, (message) => message && resolve(message), { noAck: true });
    });
    await app.bus.publish('agent.status', { agentId: 'from-bus', state: 'AGENT_STATE_IDLE', sequence: '12', labels: { zone: 'eu' } });
    const message = await received;
    expect(message.properties.contentType).toBe('application/x-protobuf');
    expect(message.fields.routingKey).toBe('agent.status');
    expect(Status.toObject(Status.decode(message.content), { longs: String, enums: String })).toEqual({
      agentId: 'from-bus', state: 'AGENT_STATE_IDLE', sequence: '12', labels: { zone: 'eu' },
    });
  });
});
