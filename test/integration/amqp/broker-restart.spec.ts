import { afterAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { AppTracker, until } from '../../support/bus-app.js';
import { deleteNamespaces, rabbitmqctl, testNamespace } from './support/broker.js';
import { holdBrokerLock } from './support/broker-lock.js';
import { BusChild, type ChildReport } from './support/child-processes.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

const TOTAL = 20_000;
const IN_FLIGHT = 200;
const RESTART_AFTER = 2_000;


describe.runIf(available)('RabbitMQ: a broker restart during 20,000 confirmed sends', () => {
  holdBrokerLock();
  const exchange = testNamespace('restart');
  const apps = new AppTracker();
  let consumer: BusChild | undefined;

  afterAll(async () => {
    // Whatever happened above, the broker is left running for everyone else.
    await rabbitmqctl('start_app');
    await rabbitmqctl('await_startup');
    await apps.closeAll();
    await consumer?.close();
    await deleteNamespaces([exchange]);
  }, 120_000);

  it('reconnects by itself, resumes consuming, and every confirmed message is handled', async () => {
    consumer = await BusChild.start('counter', exchange, 'restart-consumer', { BUS_CONCURRENCY: '200' });
    const times = new Map<number, number>();
    consumer.process.on('message', (report: ChildReport) => {
      if (report.type === 'batch') for (const n of report.ns) times.set(n, (times.get(n) ?? 0) + 1);
    });
    // Long enough to ride out a slow restart: no send may fail, only wait.
    const transport = new AmqpTransport({ url: AMQP_URL, exchange, publishTimeoutMs: 90_000 });
    const sender = await apps.start({ transport, options: { serviceName: 'restart-sender' } });

    const confirmed: number[] = [];
    const failed: string[] = [];
    let restart: Promise<void> | undefined;
    const milestones: string[] = [];
    const milestone = (what: string) => milestones.push(`${confirmed.length} confirmed ${what}`);
    const restartBroker = async () => {
      milestone('at stop_app');
      await rabbitmqctl('stop_app');
      milestone('when stopped');
      await rabbitmqctl('start_app');
      await rabbitmqctl('await_startup');
      milestone('when started again');
    };
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < TOTAL) {
        const n = next++;
        try {
          await sender.bus.send('restart.work', { n });
          confirmed.push(n);
        } catch (error) {
          failed.push(`${n}: ${(error as Error).message}`);
        }
        if (confirmed.length >= RESTART_AFTER && restart === undefined) {
          restart = restartBroker();
        }
      }
    };
    const began = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    await restart;
    const sentIn = performance.now() - began;

    expect(failed).toEqual([]);
    expect(confirmed).toHaveLength(TOTAL);
    // The restart really happened in the middle of the sends.
    expect(milestones).toHaveLength(3);
    expect(Number.parseInt(milestones[1], 10)).toBeLessThan(TOTAL);
    expect(sender.logger.lines.some((line) => line.includes('Reconnected to RabbitMQ'))).toBe(true);

    await until(() => confirmed.every((n) => times.has(n)), 60_000, 'every confirmed message to be handled');
    const duplicates = [...times.values()].reduce((sum, count) => sum + count - 1, 0);
    console.info(
      `broker restart: ${TOTAL} sends confirmed in ${Math.round(sentIn)} ms (${milestones.join(', ')}); ` +
        `0 lost, ${duplicates} duplicate deliveries`,
    );
    expect(confirmed.filter((n) => !times.has(n))).toEqual([]);
  }, 150_000);
});
