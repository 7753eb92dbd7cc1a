import { Injectable } from '@nestjs/common';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CommandHandler, type MessageContext } from 'nestjs-message-bus';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { AppTracker, until } from '../../support/bus-app.js';
import { deleteNamespaces, testNamespace } from './support/broker.js';
import { holdBrokerLock } from './support/broker-lock.js';
import { BusChild } from './support/child-processes.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

@Injectable()
class Survivor {
  readonly handled: { n: number; attempt: number }[] = [];
  @CommandHandler('takeover.work')
  work(payload: { n: number }, context: MessageContext) {
    this.handled.push({ n: payload.n, attempt: context.attempt });
  }
}

describe.runIf(available)('RabbitMQ: a consumer killed with kill -9', () => {
  holdBrokerLock();
  const exchange = testNamespace('takeover');
  const apps = new AppTracker();
  const children: BusChild[] = [];
  afterEach(async () => {
    await apps.closeAll();
    await Promise.all(children.splice(0).map((child) => child.kill()));
  });
  afterAll(() => deleteNamespaces([exchange]));

  it('loses nothing: the messages it held, the one mid-handler included, go to another instance', async () => {
    const doomed = await BusChild.start('hanging', exchange, 'takeover');
    children.push(doomed);
    const transport = new AmqpTransport({ url: AMQP_URL, exchange });
    const sender = await apps.start({ transport, options: { serviceName: 'sender' } });
    for (let n = 0; n < 5; n++) await sender.bus.send('takeover.work', { n });
    await doomed.waitFor((report) => report.type === 'handled' && report.n === 0, 10_000, 'the doomed handler to start');

    // The doomed process holds all five (prefetch): the survivor, started now, gets none of them.
    const survivor = await apps.start({ transport, providers: [Survivor], options: { serviceName: 'takeover' } });
    expect(survivor.get(Survivor).handled).toEqual([]);

    await doomed.kill();
    const handled = survivor.get(Survivor).handled;
    await until(() => handled.length >= 5, 10_000, 'the survivor to take the messages over');
    expect(handled.map((entry) => entry.n).sort()).toEqual([0, 1, 2, 3, 4]);
    // The delivery the crash cut short counts as an attempt (as on Redis): a message that keeps
    // killing its consumers is dead-lettered after maxAttempts (test/faults/f11-poison.spec.ts).
    expect(handled.every((entry) => entry.attempt === 2)).toBe(true);
  });
});
