import { Injectable } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler, type MessageContext } from 'nestjs-message-bus';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { AppTracker, until } from '../../support/bus-app.js';
import { ChildProcesses } from '../redis/support/child-processes.js';
import { NatsNamespaces } from './support/nats-namespaces.js';
import { NatsServer } from './support/nats-server.js';

const available = await brokerAvailable('NATS', NATS_URL);
const VISIBILITY_MS = 1_000;

@Injectable()
class Worker {
  readonly seen: number[] = [];
  @CommandHandler('work.do')
  work(payload: { n: number }, context: MessageContext) {
    this.seen.push(payload.n);
    return context.attempt;
  }
}

@Injectable()
class PacedWorker {
  readonly seen: number[] = [];
  @CommandHandler('work.paced')
  async work(payload: { n: number }) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.seen.push(payload.n);
  }
}

describe.runIf(available)('NATS reliability', () => {
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());

  describe('a broker restart', () => {
    let server: NatsServer;
    beforeAll(async () => {
      server = await NatsServer.start();
    });
    afterAll(() => server.dispose());

    it('loses nothing JetStream acknowledged, and the bus reconnects and consumes again', async () => {
      const transport = new NatsTransport({ servers: server.url, stream: 'restart' });
      // The worker binds the topic and leaves: its durable consumer keeps what is sent meanwhile.
      const first = await apps.start({ transport, providers: [Worker], options: { serviceName: 'workers' } });
      await first.close();
      const sender = await apps.start({ transport, options: { serviceName: 'sender' } });
      for (let n = 0; n < 20; n++) await sender.bus.send('work.do', { n });

      await server.stop();
      await server.resume();

      const worker = await apps.start({ transport, providers: [Worker], options: { serviceName: 'workers' } });
      await until(() => worker.get(Worker).seen.length === 20, 15_000, 'the messages sent before the restart');
      expect([...worker.get(Worker).seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
      // The sender's connection came back by itself.
      await until(async () => (await sender.bus.execute('work.do', { n: 20 }, { timeoutMs: 1000 })).ok, 15_000, 'the sender reconnecting');
      expect(worker.get(Worker).seen).toContain(20);
    });

    it('a consumer connected through the restart resumes by itself', async () => {
      const transport = new NatsTransport({ servers: server.url, stream: 'resume' });
      const worker = await apps.start({ transport, providers: [Worker], options: { serviceName: 'workers' } });
      const sender = await apps.start({ transport, options: { serviceName: 'sender' } });
      await sender.bus.send('work.do', { n: 1 });
      await until(() => worker.get(Worker).seen.length === 1);
      await server.stop();
      await server.resume();
      await until(async () => {
        await sender.bus.send('work.do', { n: 2 }).catch(() => undefined);
        return worker.get(Worker).seen.includes(2);
      }, 20_000, 'consuming after the restart');
    });
  });

  describe('a close while messages stream in', () => {
    const namespaces = new NatsNamespaces(NATS_URL);
    afterAll(() => namespaces.cleanup());

    it('handles what it had pulled before it closes; the next instance gets the rest at once, none waits out AckWait', async () => {
      const transport = new NatsTransport({ servers: NATS_URL, stream: namespaces.next('close') });
      const options = { serviceName: 'workers', concurrency: 4, maxQueueSize: 8 };
      const leaving = await apps.start({ transport, providers: [PacedWorker], options });
      // Started after the worker bound its topic, so it routes to it from its first send.
      const sender = await apps.start({ transport, options: { serviceName: 'sender' } });
      const total = 1_000;
      await Promise.all(Array.from({ length: total }, (_, n) => sender.bus.send('work.paced', { n })));
      await until(() => leaving.get(PacedWorker).seen.length >= 20);
      await leaving.close();
      expect(leaving.get(PacedWorker).seen.length).toBeLessThan(total);

      const next = await apps.start({ transport, providers: [PacedWorker], options });
      const handled = () => new Set([...leaving.get(PacedWorker).seen, ...next.get(PacedWorker).seen]);
      // AckWait is 30 s: a message dropped on its way to the closing instance would come back only then.
      await until(() => handled().size === total, 5_000, 'every message, without waiting out AckWait');
    });
  });

  describe('a consumer killed with -9', () => {
    const namespaces = new NatsNamespaces(NATS_URL);
    const children = new ChildProcesses();
    beforeAll(() => children.build(), 30_000);
    afterEach(() => children.stopAll());
    afterAll(async () => {
      await children.dispose();
      await namespaces.cleanup();
    });

    it('has the messages it held redelivered after the visibility timeout, each delivery counted as an attempt', async () => {
      const stream = namespaces.next('crash');
      const worker = (name: string) =>
        children.start({ name, serviceName: 'workers', roles: ['worker'], transport: {}, nats: { servers: NATS_URL, stream, visibilityTimeoutMs: VISIBILITY_MS } });
      const doomed = await worker('doomed');
      const sender = await apps.start({ transport: new NatsTransport({ servers: NATS_URL, stream }), options: { serviceName: 'sender' } });
      for (let n = 0; n < 5; n++) await sender.bus.send('work.do', { n, hangIn: 'doomed' });
      await until(() => doomed.handled.length === 5);
      const heldAt = Date.now();
      await doomed.kill('SIGKILL');

      const heir = await worker('heir');
      const redelivered = () => new Set(heir.handled.map((report) => report.n));
      await until(() => redelivered().size === 5, 10_000, 'the redelivery');
      expect(Date.now() - heldAt).toBeGreaterThanOrEqual(VISIBILITY_MS - 50);
      expect([...redelivered()].sort()).toEqual([0, 1, 2, 3, 4]);
      // Each earlier delivery counts as an attempt. nats-server 2.9 sometimes does not count the
      // delivery that was in flight when the connection died (it sees no interest and rolls it
      // back), so one message may come back as its first attempt.
      expect(heir.handled.filter((report) => report.attempt >= 2).length).toBeGreaterThanOrEqual(4);
    });
  });
});
