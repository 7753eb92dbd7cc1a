import type { ConsumeMessage } from 'amqplib';
import { describe, beforeEach, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { expectUndecodableOrder, FOREIGN_ORDER_CREATED, Orders } from '../../support/interop-orders.js';
import { useAmqpFixture } from './support/amqp-fixture.js';
import type { PlainClient } from './support/plain-client.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

describe.runIf(available)('RabbitMQ interoperability with plain AMQP clients', () => {
  const fixture = useAmqpFixture('interop');
  const { apps } = fixture;
  let exchange: string;
  let plain: PlainClient;
  const start = () => apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [Orders], options: { serviceName: 'orders' } });
  beforeEach(() => {
    ({ exchange, plain } = fixture);
  });

  it('hands JSON a plain client publishes to the exchange with a routing key to the event handler', async () => {
    const app = await start();
    expect(await plain.publish(exchange, 'orders.created', { id: 42 }, { headers: { traceparent: '00-abc-def-01', tenant: 7 } })).toBe(true);
    const orders = app.get(Orders);
    await until(() => orders.events.length === 1);
    expect(orders.events[0]).toMatchObject(FOREIGN_ORDER_CREATED);
  });

  it('hands a command published to <exchange>.command to the command handler, and answers a plain RPC query', async () => {
    const app = await start();
    expect(await plain.publish(`${exchange}.command`, 'orders.cancel', { id: 1 }, { priority: 9 })).toBe(true);
    await until(() => app.get(Orders).commands.length === 1);
    // AMQP priority 9 of 10 levels is the most urgent band: bus priority 0.
    expect(app.get(Orders).commands[0]).toMatchObject({ kind: 'command', payload: { id: 1 }, priority: 0 });

    const reply = new Promise<ConsumeMessage>((resolve) => {
      void plain.channel.consume('amq.rabbitmq.reply-to', (message) => message && resolve(message), { noAck: true });
    });
    await plain.publish(`${exchange}.query`, 'orders.count', { status: 'open' }, { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'rpc-1' });
    const answer = await reply;
    expect(answer.properties.correlationId).toBe('rpc-1');
    expect(JSON.parse(answer.content.toString())).toEqual({ ok: true, data: { status: 'open', count: 3 } });
  });

  it('lets a plain queue bound to the exchange read bus events: JSON body, envelope in properties and headers', async () => {
    const app = await start();
    const { queue } = await plain.channel.assertQueue('', { exclusive: true });
    await plain.channel.bindQueue(queue, exchange, 'orders.#');
    const received = new Promise<ConsumeMessage>((resolve) => {
      void plain.channel.consume(queue, (message) => message && resolve(message), { noAck: true });
    });
    await app.bus.publish('orders.shipped', { id: 9 }, { priority: 10, correlationId: 'conv-1', headers: { tenant: 'acme' } });
    const message = await received;
    expect(message.fields.routingKey).toBe('orders.shipped');
    expect(JSON.parse(message.content.toString())).toEqual({ id: 9 });
    expect(message.properties).toMatchObject({
      contentType: 'application/json',
      correlationId: 'conv-1',
      messageId: expect.any(String),
      deliveryMode: 2,
      priority: 8,
      timestamp: expect.any(Number),
    });
    expect(message.properties.headers).toMatchObject({
      tenant: 'acme',
      'x-bus-kind': 'event',
      'x-bus-topic': 'orders.shipped',
      'x-bus-max-attempts': 3,
    });
    // Left out when decoding gives them back: first attempt, internal origin, priority 10 from AMQP 8.
    expect(message.properties.headers).not.toHaveProperty('x-bus-attempt');
    expect(message.properties.headers).not.toHaveProperty('x-bus-origin');
    expect(message.properties.headers).not.toHaveProperty('x-bus-priority');
  });

  it('dead-letters a body that does not decode as UNDECODABLE, with its raw bytes, and keeps consuming', async () => {
    const app = await start();
    expect(await plain.publish(exchange, 'orders.created', Buffer.from('{not json'), { messageId: 'broken-1' })).toBe(true);
    expect(await plain.publish(exchange, 'orders.created', { id: 2 })).toBe(true);
    await expectUndecodableOrder(app);
    expect(app.bus.getStats().deadLettered).toBe(1);
    // The dead-letter queue is readable by plain tools too: the original body, plus why.
    const raw = await plain.channel.get(`${exchange}.orders.dead`, { noAck: false });
    expect(raw && raw.content.toString()).toBe('{not json');
    expect(raw && raw.properties.headers).toMatchObject({ 'x-bus-dead-letter-reason': 'UNDECODABLE' });
    if (raw) plain.channel.nack(raw, false, true);
  });
});
