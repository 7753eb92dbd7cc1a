import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { startBusApp, until, type BusApp } from '../../support/bus-app.js';
import { deleteNamespaces, testNamespace } from './support/broker.js';
import { holdBrokerLock } from './support/broker-lock.js';
import { BusChild } from './support/child-processes.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

describe.runIf(available)('RabbitMQ: groups across processes', () => {
  holdBrokerLock();
  const exchange = testNamespace('groups');
  const children: BusChild[] = [];
  let workers: BusChild[];
  let auditor: BusChild;
  let client: BusApp | undefined;
  const bus = () => (client as BusApp).bus;

  beforeAll(async () => {
    const started = (child: BusChild) => (children.push(child), child);
    [workers, auditor] = await Promise.all([
      Promise.all([BusChild.start('worker', exchange, 'workers').then(started), BusChild.start('worker', exchange, 'workers').then(started)]),
      BusChild.start('auditor', exchange, 'auditors').then(started),
    ]);
    client = await startBusApp({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), options: { serviceName: 'client' } });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await Promise.all(children.map((child) => child.close()));
    await deleteNamespaces([exchange]);
  }, 60_000);

  it('instances of one service compete: each command is handled once, and both processes get work', async () => {
    for (let n = 0; n < 40; n++) await bus().send('jobs.run', { n });
    const handled = () => workers.flatMap((worker) => worker.handled('jobs.run'));
    await until(() => handled().length >= 40, 10_000, '40 commands handled');
    expect(handled().sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(workers[0].handled('jobs.run').length).toBeGreaterThan(0);
    expect(workers[1].handled('jobs.run').length).toBeGreaterThan(0);
    expect(auditor.handled('jobs.run')).toEqual([]);
  });

  it('every service gets every event once; the instances of a service share its copy', async () => {
    for (let n = 0; n < 10; n++) await bus().publish('jobs.done', { n });
    const byWorkers = () => workers.flatMap((worker) => worker.handled('jobs.done'));
    await until(() => byWorkers().length >= 10 && auditor.handled('jobs.done').length >= 10, 10_000, 'events fanned out');
    expect(byWorkers().sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, n) => n));
    expect(auditor.handled('jobs.done').sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, n) => n));
  });

  it('another process answers a query and an execute over direct reply-to', async () => {
    const pids = workers.map((worker) => worker.pid);
    const query = await bus().request<{ pid: number }>('jobs.whoami', {});
    expect(query.ok && pids.includes(query.data.pid)).toBe(true);
    const command = await bus().execute<{ pid: number; n: number }>('jobs.run', { n: 1000 });
    expect(command).toMatchObject({ ok: true, data: { n: 1000 } });
    expect(command.ok && pids.includes(command.data.pid)).toBe(true);
  });

  it('times out a query the other process answers too late, and answers NO_HANDLER when nobody handles it', async () => {
    const began = performance.now();
    expect(await bus().request('jobs.slow', {}, { timeoutMs: 200 })).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(performance.now() - began).toBeLessThan(1000);
    expect(await bus().request('jobs.nobody', {}, { timeoutMs: 5000 })).toMatchObject({ ok: false, error: { code: 'NO_HANDLER' } });
    await expect(bus().send('jobs.nobody', {})).rejects.toMatchObject({ code: 'NO_HANDLER' });
  });
});
