import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { CommandHandler, EventHandler, type Envelope, type MessageContext } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { useRedisFixture } from './support/redis-fixture.js';

const available = await brokerAvailable('Redis', REDIS_URL);

@Injectable()
class Inbox {
  readonly seen: Envelope[] = [];
  @EventHandler('raw.*')
  onRaw(_: unknown, context: MessageContext) {
    this.seen.push(context.envelope);
  }
  @CommandHandler('raw.command')
  onCommand(_: unknown, context: MessageContext) {
    this.seen.push(context.envelope);
  }
}

describe.skipIf(!available)('redis: entries written by other producers', () => {
  const { namespaces, apps, redis } = useRedisFixture();
  let prefix: string;

  const start = async () => {
    prefix = namespaces.next();
    const transport = new RedisTransport({ url: REDIS_URL, prefix });
    return apps.start({ transport, providers: [Inbox], options: { serviceName: 'inbox' } });
  };
  /** The default-priority stream of the inbox group, as a non-Nest producer would address it. */
  const stream = () => `{${prefix}}:q:inbox:5`;

  it('dead-letters an entry that is not an envelope as UNDECODABLE, with its raw fields, and keeps consuming', async () => {
    const app = await start();
    await redis.xadd(stream(), '*', 'hello', 'world');
    await redis.xadd(stream(), '*', 'topic', 'raw.broken', 'payload', '{not json');
    await redis.xadd(stream(), '*', 'topic', 'raw.fine', 'payload', '{"ok":true}', 'priority', 'high');
    await redis.xadd(stream(), '*', 'topic', 'raw.fine', 'payload', '{"ok":true}');
    await until(() => app.get(Inbox).seen.length === 1);
    await until(async () => (await app.bus.deadLetters.count()) === 3);
    const letters = await app.bus.deadLetters.list();
    expect(letters.map((letter) => letter.reason)).toEqual(['UNDECODABLE', 'UNDECODABLE', 'UNDECODABLE']);
    expect(letters[0]).toMatchObject({ group: 'inbox', envelope: { topic: 'undecodable', payload: { hello: 'world' } }, error: { message: 'no topic' } });
    expect(letters[1]).toMatchObject({ envelope: { topic: 'raw.broken', payload: { topic: 'raw.broken', payload: '{not json' } } });
    expect(letters[1].error?.message).toMatch(/payload not decodable/);
    expect(letters[2].error?.message).toMatch(/invalid priority "high"/);
    expect(app.logger.lines.filter((line) => line.includes('Undecodable entry'))).toHaveLength(3);
    expect(app.bus.getStats().deadLettered).toBe(3);
    expect(await redis.xpending(stream(), 'inbox')).toEqual([0, null, null, null]);
  });

  it('fills in defaults for an entry with only topic and payload, and honours the optional fields', async () => {
    const app = await start();
    const id = await redis.xadd(stream(), '*', 'topic', 'raw.minimal', 'payload', '{"n":1}');
    await redis.xadd(`{${prefix}}:q:inbox:0`, '*', 'topic', 'raw.command', 'payload', '"go"', 'kind', 'command', 'id', 'ext-1',
      'correlationId', 'conv-9', 'priority', '3', 'headers', '{"traceparent":"00-abc"}', 'maxAttempts', '5');
    await until(() => app.get(Inbox).seen.length === 2);
    const byTopic = (topic: string) => app.get(Inbox).seen.find((envelope) => envelope.topic === topic);
    const [minimal, command] = [byTopic('raw.minimal'), byTopic('raw.command')];
    expect(minimal).toMatchObject({ id, topic: 'raw.minimal', kind: 'event', payload: { n: 1 }, correlationId: id, origin: 'external', priority: 50, attempt: 1, maxAttempts: 3, headers: {} });
    expect(minimal?.timestamp).toBe(Number(String(id).split('-')[0]));
    expect(command).toMatchObject({ id: 'ext-1', kind: 'command', payload: 'go', correlationId: 'conv-9', priority: 3, maxAttempts: 5, headers: { traceparent: '00-abc' } });
  });
});
