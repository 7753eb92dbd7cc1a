import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { expectUndecodableOrder, FOREIGN_ORDER_CREATED, Orders } from '../../support/interop-orders.js';
import { useNatsFixture } from './support/nats-fixture.js';

const available = await brokerAvailable('NATS', NATS_URL);

describe.runIf(available)('NATS interoperability with plain nats clients', () => {
  const { namespaces, apps, plain } = useNatsFixture();
  let stream: string;
  const start = async () => {
    stream = namespaces.next('interop');
    return apps.start({ transport: new NatsTransport({ servers: NATS_URL, stream }), providers: [Orders], options: { serviceName: 'orders' } });
  };

  it('hands JSON a plain client publishes to a group subject to the handler, its headers as user headers', async () => {
    const app = await start();
    const js = jetstream(plain());
    const wire = headers();
    wire.set('traceparent', '00-abc-def-01');
    wire.set('tenant', '7');
    await js.publish(`${stream}.g.orders.event.orders.created`, JSON.stringify({ id: 42 }), { headers: wire });
    await js.publish(`${stream}.g.orders.command.orders.cancel`, JSON.stringify({ id: 1 }));
    const orders = app.get(Orders);
    await until(() => orders.events.length === 1 && orders.commands.length === 1);
    expect(orders.events[0]).toMatchObject(FOREIGN_ORDER_CREATED);
    expect(orders.commands[0]).toMatchObject({ topic: 'orders.cancel', kind: 'command', payload: { id: 1 }, origin: 'external' });
  });

  it('answers a plain core NATS request on <stream>.q.<topic>', async () => {
    await start();
    const answer = await plain().request(`${stream}.q.orders.count`, JSON.stringify({ status: 'open' }), { timeout: 5000 });
    expect(answer.json()).toEqual({ ok: true, data: { status: 'open', count: 3 } });
  });

  it('lets a plain consumer read bus messages: JSON body, envelope in x-bus-* headers', async () => {
    const app = await start();
    const jsm = await jetstreamManager(plain());
    await jsm.consumers.add(stream, { durable_name: 'reader', filter_subject: `${stream}.g.orders.event.>`, ack_policy: AckPolicy.Explicit });
    await app.bus.publish('orders.shipped', { id: 9 }, { priority: 10, correlationId: 'conv-1', headers: { tenant: 'acme' } });
    const consumer = await jetstream(plain()).consumers.get(stream, 'reader');
    const message = await consumer.next({ expires: 5000 });
    expect(message?.subject).toBe(`${stream}.g.orders.event.orders.shipped`);
    expect(message?.json()).toEqual({ id: 9 });
    const read = Object.fromEntries([...(message?.headers?.keys() ?? [])].map((key) => [key, message?.headers?.get(key)]));
    expect(read).toMatchObject({
      tenant: 'acme',
      'x-bus-kind': 'event',
      'x-bus-topic': 'orders.shipped',
      'x-bus-priority': '10',
      'x-bus-correlation-id': 'conv-1',
      'x-bus-max-attempts': '3',
      'Nats-Msg-Id': expect.any(String),
    });
    // Left out when decoding gives them back: first attempt, internal origin.
    expect(read).not.toHaveProperty('x-bus-attempt');
    expect(read).not.toHaveProperty('x-bus-origin');
    message?.ack();
  });

  it('dead-letters a body that does not decode as UNDECODABLE, with its raw bytes, and keeps consuming', async () => {
    const app = await start();
    const js = jetstream(plain());
    const wire = headers();
    wire.set('x-bus-id', 'broken-1');
    await js.publish(`${stream}.g.orders.event.orders.created`, '{not json', { headers: wire });
    await js.publish(`${stream}.g.orders.event.orders.created`, JSON.stringify({ id: 2 }));
    await expectUndecodableOrder(app);
    // The dead-letter stream is readable by plain tools too: the original body, plus why.
    const jsm = await jetstreamManager(plain());
    const stored = await jsm.streams.getMessage(`${stream}_dead`, { last_by_subj: `${stream}_dead.orders.orders.created` });
    expect(stored?.string()).toBe('{not json');
    expect(stored?.header.get('x-bus-dead-letter-reason')).toBe('UNDECODABLE');
  });

  it('drops a reply address that is not a NATS inbox, so a forged replyTo cannot write into a stream', async () => {
    const app = await start();
    const js = jetstream(plain());
    const wire = headers();
    wire.set('x-bus-reply-to', `${stream}.g.orders.event.orders.forged`);
    await js.publish(`${stream}.g.orders.command.orders.cancel`, JSON.stringify({ id: 3 }), { headers: wire });
    await until(() => app.get(Orders).commands.length === 1);
    await until(() => app.logger.lines.some((line) => line.includes('is not a NATS inbox')));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(app.get(Orders).events).toEqual([]);
  });
});
