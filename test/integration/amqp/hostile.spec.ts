import { describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { APP_LIMITS, framesOf, HOSTILE_TOPIC, HostileTarget, limitFrames, settleHostileFrames } from '../../support/hostile-frames.js';
import { useAmqpFixture } from './support/amqp-fixture.js';
import { rabbitmqctl } from './support/broker.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

/** Ready and unacknowledged messages of a queue, as the broker counts them (no management plugin needed). */
async function queueDepth(queue: string): Promise<{ ready: number; unacked: number }> {
  const rows = JSON.parse(await rabbitmqctl('list_queues', '--formatter=json', '-q', 'name', 'messages_ready', 'messages_unacknowledged')) as {
    name: string;
    messages_ready: number;
    messages_unacknowledged: number;
  }[];
  const row = rows.find((entry) => entry.name === queue);
  if (row === undefined) throw new Error(`No queue ${queue}`);
  return { ready: row.messages_ready, unacked: row.messages_unacknowledged };
}

describe.runIf(available)('RabbitMQ: hostile messages published with amqplib', () => {
  const fixture = useAmqpFixture('hostile');

  /** Publishes each frame to the exchange of a bus with these limits, then holds every message to its outcome. */
  const settle = async (frames: ReturnType<typeof framesOf<'amqp'>>, limits: Partial<typeof APP_LIMITS> = {}) => {
    const { exchange, plain } = fixture;
    const transport = new AmqpTransport({ url: AMQP_URL, exchange, maxPayloadDepth: limits.maxPayloadDepth });
    const app = await fixture.apps.start({ transport, providers: [HostileTarget], options: { serviceName: 'hostile', maxPayloadBytes: limits.maxPayloadBytes } });
    let sequence = 0;
    await settleHostileFrames({
      app,
      frames,
      send: async (frame) => {
        const messageId = `hostile-${++sequence}`;
        expect(await plain.publish(exchange, HOSTILE_TOPIC, frame.amqp.content, { ...frame.amqp.options, messageId })).toBe(true);
        return messageId;
      },
      frameIdOf: (letter) => letter.envelope.id,
    });
    const queue = `${exchange}.hostile`;
    // Held by no live consumer, and nothing waiting either.
    expect(await queueDepth(queue)).toEqual({ ready: 0, unacked: 0 });
    await app.close();
    expect((await plain.channel.checkQueue(queue)).messageCount).toBe(0);
  };

  it('settles every message once: handled and acked, or dead-lettered with its reason; nothing stays unacked', () => settle(framesOf('amqp')));

  it('checks the depth and size an app sets (maxPayloadDepth raised, maxPayloadBytes lowered) on consume', () =>
    settle(framesOf('amqp', limitFrames), APP_LIMITS));
});
