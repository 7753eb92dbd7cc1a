import { Injectable } from '@nestjs/common';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { CommandHandler, UnrecoverableError, type MessageContext } from 'nestjs-message-bus';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { useNatsFixture } from './support/nats-fixture.js';

const available = await brokerAvailable('NATS', NATS_URL);

/** Fails `failures` times per order, retryably or for good, then takes it. */
@Injectable()
class Orders {
  failures = 0;
  unrecoverable = false;
  readonly handled: { id: string; attempt: number }[] = [];
  readonly tried: { id: string; attempt: number }[] = [];

  @CommandHandler('orders.place', { retry: { maxAttempts: 3, initialDelayMs: 50 } })
  place(_order: unknown, context: MessageContext) {
    const seen = { id: context.envelope.id, attempt: context.envelope.attempt };
    this.tried.push(seen);
    if (this.tried.filter((tried) => tried.id === seen.id).length <= this.failures) {
      throw this.unrecoverable ? new UnrecoverableError('not now') : new Error('try again');
    }
    this.handled.push(seen);
  }
}

describe.runIf(available)('nats: Nats-Msg-Id deduplication of sends', () => {
  const { namespaces, apps, plain } = useNatsFixture();
  let stream: string;
  const start = async () => {
    stream = namespaces.next('dedup');
    return apps.start({ transport: new NatsTransport({ servers: NATS_URL, stream }), providers: [Orders], options: { serviceName: 'shop' } });
  };
  /** How many messages the stream ever stored: interest retention deletes them once acked, the sequence stays. */
  const stored = async () => (await (await jetstreamManager(plain())).streams.info(stream)).state.last_seq;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

  it('a send repeated with the same messageId within the two-minute window is stored once and handled once', async () => {
    const app = await start();
    const { config } = await (await jetstreamManager(plain())).streams.info(stream);
    expect(config.duplicate_window).toBe(120_000_000_000);
    await app.bus.send('orders.place', { sku: 'socks' }, { messageId: 'order-42' });
    await until(() => app.get(Orders).handled.length === 1);
    // Sent again after the first was handled and deleted: the window still holds its id.
    await app.bus.send('orders.place', { sku: 'socks' }, { messageId: 'order-42' });
    await app.bus.send('orders.place', { sku: 'hats' }, { messageId: 'order-43' });
    await until(() => app.get(Orders).handled.length === 2);
    await settle();
    expect(await stored()).toBe(2);
    expect(app.get(Orders).handled).toEqual([
      { id: 'order-42', attempt: 1 },
      { id: 'order-43', attempt: 1 },
    ]);
    // The id a plain publisher repeats to be deduplicated with the bus's copy: <messageId>:<group>.
    const again = await jetstream(plain()).publish(`${stream}.g.shop.command.orders.place`, '{}', { msgID: 'order-42:shop' });
    expect(again.duplicate).toBe(true);
  });

  it('a retry of a failed message is stored as a new copy and delivered, not taken for a duplicate', async () => {
    const app = await start();
    app.get(Orders).failures = 2;
    await app.bus.send('orders.place', { sku: 'socks' }, { messageId: 'order-44' });
    await until(() => app.get(Orders).handled.length === 1);
    expect(app.get(Orders).tried).toEqual([1, 2, 3].map((attempt) => ({ id: 'order-44', attempt })));
    expect(await stored()).toBe(3);
  });

  it('a dead letter replayed within the window is delivered again', async () => {
    const app = await start();
    Object.assign(app.get(Orders), { failures: 1, unrecoverable: true });
    await app.bus.send('orders.place', { sku: 'socks' }, { messageId: 'order-45' });
    await until(async () => (await app.bus.deadLetters.count()) === 1);
    expect(await app.bus.deadLetters.replay()).toBe(1);
    await until(() => app.get(Orders).handled.length === 1);
    expect(app.get(Orders).handled).toEqual([{ id: 'order-45', attempt: 1 }]);
    expect(await stored()).toBe(2);
  });
});
