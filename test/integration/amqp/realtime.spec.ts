import { Injectable } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventHandler, type MessageContext } from 'nestjs-message-bus';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { rabbitmqctl } from './support/broker.js';
import { useAmqpFixture } from './support/amqp-fixture.js';
import type { PlainClient } from './support/plain-client.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

@Injectable()
class Live {
  readonly seen: { topic: string; payload: unknown; origin: string }[] = [];
  @EventHandler('agent.*', { delivery: 'realtime' })
  onLive(payload: unknown, context: MessageContext) {
    this.seen.push({ topic: context.topic, payload, origin: context.envelope.origin });
  }
}

interface QueueRow {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  consumers: number;
}

describe.runIf(available)('RabbitMQ: realtime delivery with plain clients', () => {
  const fixture = useAmqpFixture('realtime');
  const { apps } = fixture;
  let exchange: string;
  let plain: PlainClient;
  beforeEach(() => {
    ({ exchange, plain } = fixture);
  });
  // The service name names the bus's connection, so a test can find (and close) it.
  const serviceName = () => `live-${exchange.slice(-8)}`;
  const start = () => apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [Live], options: { serviceName: serviceName() } });
  const presence = async () => (await plain.channel.checkQueue(`${exchange}.realtime.presence`)).consumerCount;
  const queues = async (): Promise<QueueRow[]> => {
    const output = await rabbitmqctl('list_queues', '--formatter=json', '-q', 'name', 'durable', 'auto_delete', 'exclusive', 'consumers');
    return (JSON.parse(output) as QueueRow[]).filter((row) => row.name.startsWith(`${exchange}.`));
  };

  it('declares a non-durable realtime exchange and an exclusive, auto-delete queue per instance, gone with it', async () => {
    const app = await start();
    const [exchangeRow] = (JSON.parse(await rabbitmqctl('list_exchanges', '--formatter=json', '-q', 'name', 'type', 'durable')) as { name: string; type: string; durable: boolean }[])
      .filter((row) => row.name === `${exchange}.realtime`);
    expect(exchangeRow).toEqual({ name: `${exchange}.realtime`, type: 'topic', durable: false });
    const own = (await queues()).filter((row) => row.name.endsWith('.realtime'));
    expect(own).toEqual([{ name: expect.stringContaining(serviceName()) as string, durable: false, auto_delete: true, exclusive: true, consumers: 1 }]);
    expect(await presence()).toBe(1);
    await app.close();
    expect(await presence()).toBe(0);
    expect((await queues()).filter((row) => row.name.endsWith('.realtime'))).toEqual([]);
  });

  it('hands what a plain client publishes to <exchange>.realtime with a routing key to the realtime handlers', async () => {
    const app = await start();
    expect(await plain.publish(`${exchange}.realtime`, 'agent.moved', { x: 1 })).toBe(true);
    await until(() => app.get(Live).seen.length === 1);
    expect(app.get(Live).seen).toEqual([{ topic: 'agent.moved', payload: { x: 1 }, origin: 'external' }]);
    // Not bound to the durable exchange: nothing published there reaches a realtime handler.
    await plain.publish(exchange, 'agent.moved', { x: 2 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(app.get(Live).seen).toHaveLength(1);
  });

  it('sends a plain consumer bound to the realtime exchange a transient message; the count is of bus instances with realtime handlers', async () => {
    const app = await start();
    const { queue } = await plain.channel.assertQueue('', { exclusive: true });
    await plain.channel.bindQueue(queue, `${exchange}.realtime`, 'agent.#');
    const received = new Promise<ConsumeMessage>((resolve) => {
      void plain.channel.consume(queue, (message) => message && resolve(message), { noAck: true });
    });
    expect(await app.bus.publish('agent.status', { ok: true }, { delivery: 'realtime' })).toBe(1);
    const message = await received;
    expect(message.fields).toMatchObject({ exchange: `${exchange}.realtime`, routingKey: 'agent.status' });
    expect(message.properties).toMatchObject({ deliveryMode: 1, contentType: 'application/json' });
    expect(JSON.parse(message.content.toString())).toEqual({ ok: true });
    await until(() => app.get(Live).seen.length === 1);
  });

  it('counts the receivers for an instance without realtime handlers of its own', async () => {
    const receivers = [await start(), await start()];
    const publisher = await apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [], options: { serviceName: 'publisher' } });
    expect(await publisher.bus.publish('agent.status', { n: 1 }, { delivery: 'realtime' })).toBe(2);
    await until(() => receivers.every((app) => app.get(Live).seen.length === 1));
  });

  it('dead-letters an undecodable realtime message as UNDECODABLE and keeps listening', async () => {
    const app = await start();
    await plain.publish(`${exchange}.realtime`, 'agent.a', Buffer.from('x'), { contentType: 'text/plain' });
    await plain.publish(`${exchange}.realtime`, 'agent.b', '"fine"');
    await until(() => app.get(Live).seen.length === 1);
    await until(async () => (await app.bus.deadLetters.count()) === 1);
    expect(await app.bus.deadLetters.list()).toMatchObject([{ reason: 'UNDECODABLE', error: { message: 'no codec for content type "text/plain"' } }]);
  });

  it('declares its queue and bindings again after the connection is lost, and is counted again', async () => {
    const app = await start();
    // The text output, not JSON: close_connection wants the pid as it prints there.
    const rows = (await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'pid', 'client_properties')).split('\n');
    const own = rows.filter((row) => row.includes(`${serviceName()}.`)).map((row) => row.split('\t')[0]);
    expect(own).toHaveLength(1);
    await rabbitmqctl('close_connection', own[0], 'realtime test');
    await until(async () => (await presence()) === 1 && (await app.bus.publish('agent.back', 1, { delivery: 'realtime' })) === 1, 20_000);
    await until(() => app.get(Live).seen.some((seen) => seen.topic === 'agent.back'), 5_000);
  });
});
