import { Injectable } from '@nestjs/common';
import { describe, beforeEach, expect, it } from 'vitest';
import { CommandHandler } from 'nestjs-message-bus';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { deferred, until } from '../../support/bus-app.js';
import { useAmqpFixture } from './support/amqp-fixture.js';
import type { PlainClient } from './support/plain-client.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

@Injectable()
class Slow {
  readonly started: number[] = [];
  readonly finished: number[] = [];
  gate = deferred();
  @CommandHandler('slow.job')
  async run(payload: { n: number }) {
    this.started.push(payload.n);
    await this.gate.promise;
    this.finished.push(payload.n);
  }
}

describe.runIf(available)('RabbitMQ graceful shutdown', () => {
  const fixture = useAmqpFixture('shutdown');
  const { apps } = fixture;
  let exchange: string;
  let plain: PlainClient;
  beforeEach(() => {
    ({ exchange, plain } = fixture);
  });

  it('cancels its consumer at once, finishes the handler in flight, acks it, then closes', async () => {
    const transport = new AmqpTransport({ url: AMQP_URL, exchange });
    const leaving = await apps.start({ transport, providers: [Slow], options: { serviceName: 'jobs', concurrency: 1 } });
    const staying = await apps.start({ transport, providers: [Slow], options: { serviceName: 'jobs' } });
    const queue = `${exchange}.jobs`;

    await leaving.bus.send('slow.job', { n: 1 });
    await until(() => leaving.get(Slow).started.length + staying.get(Slow).started.length === 1);
    const [busy, idle] = leaving.get(Slow).started.length === 1 ? [leaving, staying] : [staying, leaving];
    idle.get(Slow).gate.resolve();

    let closed = false;
    const closing = busy.close().then(() => (closed = true));
    await until(async () => (await plain.channel.checkQueue(queue)).consumerCount === 1, 5000, 'the consumer to be cancelled');

    // Intake has stopped: new work goes to the other instance while the old handler still runs.
    await idle.bus.send('slow.job', { n: 2 });
    await until(() => idle.get(Slow).finished.includes(2));
    expect(closed).toBe(false);
    expect(busy.get(Slow).finished).toEqual([]);

    busy.get(Slow).gate.resolve();
    await closing;
    expect(busy.get(Slow).finished).toEqual([1]);
    // Acked before the channel closed: nothing is left, and nothing comes again.
    expect(await plain.channel.checkQueue(queue)).toMatchObject({ messageCount: 0, consumerCount: 1 });
    await idle.bus.send('slow.job', { n: 3 });
    await until(() => idle.get(Slow).finished.includes(3));
    expect(idle.get(Slow).finished).toEqual([2, 3]);
  });

  it('closes idempotently', async () => {
    const app = await apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [Slow] });
    app.get(Slow).gate.resolve();
    await Promise.all([app.close(), app.close()]);
    await app.close();
  });
});
