import { Injectable } from '@nestjs/common';
import { describe, beforeEach, expect, it } from 'vitest';
import { CommandHandler, DuplicateHandlerError, EventHandler, QueryHandler, type MessageContext } from 'nestjs-message-bus';
import { AmqpTransport, type AmqpTransportOptions } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { bootstrapFailure, deferred, until } from '../../support/bus-app.js';
import { rabbitmqctl } from './support/broker.js';
import { useAmqpFixture } from './support/amqp-fixture.js';
import type { PlainClient } from './support/plain-client.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

@Injectable()
class Shop {
  @EventHandler('shop.order.*')
  onOrder() {}
  @CommandHandler('shop.ship')
  ship() {}
  @QueryHandler('shop.stock')
  stock() {
    return 1;
  }
}

@Injectable()
class Gate {
  readonly order: string[] = [];
  gate = deferred();
  readonly entered = deferred();
  @EventHandler('gate.work')
  async work(payload: { name: string }) {
    this.order.push(payload.name);
    this.entered.resolve();
    await this.gate.promise;
  }
}

@Injectable()
class Backoff {
  readonly attempts: { topic: string; attempt: number; at: number }[] = [];
  @CommandHandler('backoff.slow', { retry: { maxAttempts: 2, initialDelayMs: 1500 } })
  slow(_: unknown, context: MessageContext) {
    this.record(context);
  }
  @CommandHandler('backoff.fast', { retry: { maxAttempts: 2, initialDelayMs: 30 } })
  fast(_: unknown, context: MessageContext) {
    this.record(context);
  }
  private record(context: MessageContext) {
    this.attempts.push({ topic: context.topic, attempt: context.attempt, at: performance.now() });
    if (context.attempt === 1) throw new Error('first attempt fails');
  }
}

@Injectable()
class Kinds {
  readonly calls: string[] = [];
  @EventHandler('kind.#')
  onEvent(_: unknown, context: MessageContext) {
    this.calls.push(`event ${context.topic}`);
  }
  @CommandHandler('kind.x')
  onCommand(_: unknown, context: MessageContext) {
    this.calls.push(`command ${context.topic}`);
  }
}

@Injectable()
class Owner {
  @CommandHandler('owned.cmd')
  run() {}
}

@Injectable()
class Later {
  readonly at: number[] = [];
  @EventHandler('later.evt')
  on() {
    this.at.push(performance.now());
  }
}

describe.runIf(available)('RabbitMQ topology', () => {
  const fixture = useAmqpFixture('topology');
  const { apps } = fixture;
  let exchange: string;
  let plain: PlainClient;
  const transport = (options: Partial<AmqpTransportOptions> = {}) => new AmqpTransport({ url: AMQP_URL, exchange, ...options });
  beforeEach(() => {
    ({ exchange, plain } = fixture);
  });

  it('declares a topic exchange for events, direct ones for commands and queries, and per group a durable priority queue bound by kind with its dead-letter queue', async () => {
    await apps.start({ transport: transport(), providers: [Shop], options: { serviceName: 'shop' } });
    const owned = <T extends { name: string }>(entries: T[]) => entries.filter((entry) => entry.name.startsWith(exchange));
    const [exchanges, queues, bindings] = await Promise.all([
      rabbitmqctl('list_exchanges', '--formatter=json', '-q', 'name', 'type', 'durable'),
      rabbitmqctl('list_queues', '--formatter=json', '-q', 'name', 'durable', 'exclusive', 'arguments'),
      rabbitmqctl('list_bindings', '--formatter=json', '-q', 'source_name', 'destination_name', 'routing_key'),
    ]);
    expect(owned(JSON.parse(exchanges) as { name: string }[]).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: exchange, type: 'topic', durable: true },
      { name: `${exchange}.command`, type: 'direct', durable: true },
      { name: `${exchange}.delay`, type: 'headers', durable: true },
      { name: `${exchange}.query`, type: 'direct', durable: true },
    ]);
    const byName = new Map(owned(JSON.parse(queues) as { name: string; durable: boolean; exclusive: boolean; arguments: unknown[] }[]).map((q) => [q.name, q]));
    expect(byName.get(`${exchange}.shop`)).toEqual({
      name: `${exchange}.shop`,
      durable: true,
      exclusive: false,
      arguments: expect.arrayContaining([
        ['x-max-priority', 'byte', 9],
        ['x-dead-letter-exchange', 'longstr', ''],
        ['x-dead-letter-routing-key', 'longstr', `${exchange}.shop.dead`],
      ]),
    });
    expect(byName.get(`${exchange}.shop.dead`)).toMatchObject({ durable: true, exclusive: false, arguments: [] });
    const instanceQueue = [...byName.values()].find((q) => q.exclusive);
    expect(instanceQueue?.name).toMatch(new RegExp(`^${exchange.replaceAll('.', '\\.')}\\.shop\\.[\\w-]+$`));
    expect(byName.get(`${exchange}.owner.command.shop.ship`)).toBeDefined();
    const routes = (JSON.parse(bindings) as { source_name: string; destination_name: string; routing_key: string }[])
      .filter((binding) => binding.destination_name === `${exchange}.shop` && binding.source_name !== '')
      .map((binding) => `${binding.source_name} ${binding.routing_key}`)
      .sort();
    expect(routes).toEqual([`${exchange} shop.order.*`, `${exchange}.command shop.ship`, `${exchange}.query shop.stock`]);
  });

  it('adds a binding when a handler comes and removes it when the last one goes', async () => {
    const app = await apps.start({ transport: transport(), options: { serviceName: 'dyn' } });
    expect(await plain.publish(exchange, 'dyn.a', {})).toBe(false);
    const session = app.bus.session();
    const heard: string[] = [];
    session.on('dyn.*', (_payload, context) => heard.push(context.topic));
    await session.publish('dyn.a', {});
    await until(() => heard.length === 1);
    expect(await plain.publish(exchange, 'dyn.b', {})).toBe(true);
    await session.close();
    await until(async () => !(await plain.publish(exchange, 'dyn.c', {})), 5000, 'the binding to go');
  });

  it('honours message priority in the broker queue when prefetch holds messages back', async () => {
    const app = await apps.start({ transport: transport({ prefetch: 1 }), providers: [Gate], options: { concurrency: 1 } });
    const gate = app.get(Gate);
    await app.bus.publish('gate.work', { name: 'blocker' });
    await gate.entered.promise;
    await app.bus.publish('gate.work', { name: 'p90' }, { priority: 90 });
    await app.bus.publish('gate.work', { name: 'p10' }, { priority: 10 });
    await app.bus.publish('gate.work', { name: 'p50' });
    await app.bus.publish('gate.work', { name: 'p0' }, { priority: 0 });
    gate.gate.resolve();
    await until(() => gate.order.length === 5);
    // With prefetch 1 the blocker holds the window: the broker queue alone orders the rest.
    expect(gate.order).toEqual(['blocker', 'p0', 'p10', 'p50', 'p90']);
  });

  it('retries through a delay queue per delay: a short retry does not wait behind a long one', async () => {
    const app = await apps.start({ transport: transport(), providers: [Backoff] });
    const backoff = app.get(Backoff);
    await app.bus.send('backoff.slow', {});
    await app.bus.send('backoff.fast', {});
    await until(() => backoff.attempts.length === 4, 5000, 'both retries');
    const at = (topic: string, attempt: number) => backoff.attempts.find((entry) => entry.topic === topic && entry.attempt === attempt)?.at as number;
    expect(at('backoff.fast', 2) - at('backoff.fast', 1)).toBeLessThan(1000);
    expect(at('backoff.slow', 2) - at('backoff.slow', 1)).toBeGreaterThanOrEqual(1500);
    expect(backoff.attempts.map((entry) => `${entry.topic}#${entry.attempt}`)).toEqual([
      'backoff.slow#1',
      'backoff.fast#1',
      'backoff.fast#2',
      'backoff.slow#2',
    ]);
    await expect(plain.channel.checkQueue(`${exchange}.delay.30`)).resolves.toMatchObject({ messageCount: 0 });
    await expect(plain.channel.checkQueue(`${exchange}.delay.1500`)).resolves.toMatchObject({ messageCount: 0 });
  });

  it('keeps kinds apart: an event pattern does not receive a command of a matching topic, nor the reverse', async () => {
    const app = await apps.start({ transport: transport(), providers: [Kinds] });
    await app.bus.send('kind.x', {});
    await app.bus.publish('kind.x', {});
    await until(() => app.get(Kinds).calls.length >= 2);
    await until(() => app.bus.getStats().inFlight === 0 && app.bus.getStats().queued === 0);
    expect(app.get(Kinds).calls.sort()).toEqual(['command kind.x', 'event kind.x']);
  });

  it('gives a command topic to one service: a second service claiming it fails at bootstrap, naming the owner', async () => {
    await apps.start({ transport: transport(), providers: [Owner], options: { serviceName: 'owner-a' } });
    const { error } = await bootstrapFailure({ transport: transport(), providers: [Owner], options: { serviceName: 'owner-b' } });
    expect(error).toBeInstanceOf(DuplicateHandlerError);
    expect(error.message).toMatch(/owned\.cmd.*group owner-a.*group owner-b/);
    // Another instance of the owning service is welcome.
    await apps.start({ transport: transport(), providers: [Owner], options: { serviceName: 'owner-a' } });
  });

  it('delivers a delayed message no earlier than its delay', async () => {
    const app = await apps.start({ transport: transport(), providers: [Later] });
    const sentAt = performance.now();
    await app.bus.publish('later.evt', {}, { delayMs: 300 });
    await until(() => app.get(Later).at.length === 1, 5000);
    expect(app.get(Later).at[0] - sentAt).toBeGreaterThanOrEqual(299);
  });
});
