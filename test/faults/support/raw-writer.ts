import { Redis } from 'ioredis';
import type { DeadLetter } from 'nestjs-message-bus';
import { REDIS_URL } from '../../support/brokers.js';
import type { HostileFrame } from '../../support/hostile-frames.js';
import { rabbitmqctl } from '../../integration/amqp/support/broker.js';
import { PlainClient } from '../../integration/amqp/support/plain-client.js';

/**
 * A foreign producer writing straight to a group's stream (raw ioredis `XADD`) or to the bus
 * exchange (raw amqplib), and what the broker says is left unsettled in that group.
 */
export interface RawWriter {
  /** Writes the frame's form for this broker with `topic`; resolves the id the bus will know it by. */
  write(frame: HostileFrame, topic: string): Promise<string>;
  /** The id of the frame a dead letter belongs to. */
  frameIdOf(letter: DeadLetter): string;
  /** Messages of the group delivered and not acked (XPENDING; messages_unacknowledged), plus those waiting on RabbitMQ. */
  unsettled(): Promise<number>;
  close(): Promise<void>;
}

/** A raw writer to `group` of the bus in `namespace` on broker `name` (default band of Redis). */
export async function rawWriter(name: 'redis' | 'amqp', namespace: string, group: string): Promise<RawWriter> {
  if (name === 'redis') {
    const redis = new Redis(REDIS_URL);
    const stream = `{${namespace}}:q:${group}:5`;
    return {
      write: async (frame, topic) => (await redis.xadd(stream, '*', ...(frame.redis as NonNullable<HostileFrame['redis']>)(topic))) as string,
      // A letter of an undecodable entry names the entry it was.
      frameIdOf: (letter) => letter.envelope.headers['x-bus-entry-id'] ?? letter.envelope.id,
      unsettled: async () => ((await redis.xpending(stream, group)) as [number])[0],
      close: async () => redis.disconnect(),
    };
  }
  const plain = await PlainClient.open();
  const queue = `${namespace}.${group}`;
  let sequence = 0;
  return {
    write: async (frame, topic) => {
      const form = frame.amqp as NonNullable<HostileFrame['amqp']>;
      const messageId = `raw-${++sequence}`;
      if (!(await plain.publish(namespace, topic, form.content, { ...form.options, messageId }))) throw new Error(`${frame.name} was not routed`);
      return messageId;
    },
    frameIdOf: (letter) => letter.envelope.id,
    unsettled: async () => {
      const rows = JSON.parse(await rabbitmqctl('list_queues', '--formatter=json', '-q', 'name', 'messages')) as { name: string; messages: number }[];
      return rows.find((row) => row.name === queue)?.messages ?? 0;
    },
    close: () => plain.close(),
  };
}
