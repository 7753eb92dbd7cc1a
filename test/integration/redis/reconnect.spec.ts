import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler } from 'nestjs-message-bus';
import { RedisTransport, TransportError } from 'nestjs-message-bus/redis';
import { AppTracker, until, type BusApp } from '../../support/bus-app.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { RedisServer, redisServerInstalled } from './support/redis-server.js';

// These tests start (and stop) a redis-server of their own, on a free port.
const available = await redisServerInstalled();
const PASSWORD = 'Restart-S3cret/pw';

@Injectable()
class Counter {
  readonly handled = new Set<number>();
  @CommandHandler('count.it')
  count(payload: { n: number }) {
    this.handled.add(payload.n);
  }
}

describe.skipIf(!available)('redis: connection loss', () => {
  const apps = new AppTracker();
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({ password: PASSWORD });
  });
  afterEach(async () => {
    // The apps close against a running server, whatever the test left it in.
    await server.resume().catch(() => undefined);
    await apps.closeAll();
  });
  afterAll(() => server.dispose());

  const start = (serviceName: string, extra: Partial<ConstructorParameters<typeof RedisTransport>[0]> = {}, providers: never[] = []) =>
    apps.start({
      transport: new RedisTransport({ url: server.url, prefix: 'restart', visibilityTimeoutMs: 1_000, ...extra }),
      providers,
      options: { serviceName },
    });
  const leaked = (apps: BusApp[]) => apps.flatMap((app) => app.logger.lines).filter((line) => line.includes(PASSWORD));

  it('reconnects when Redis restarts, resumes consuming; a send made meanwhile is stored or rejected', async () => {
    const worker = await start('workers', {}, [Counter] as never[]);
    const sender = await start('sender');
    const counter = worker.get(Counter);
    for (let n = 0; n < 5; n++) await sender.bus.send('count.it', { n });
    await until(() => counter.handled.size === 5);

    await server.stop();
    const during = Promise.allSettled([5, 6, 7, 8, 9].map((n) => sender.bus.send('count.it', { n })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.resume();
    const outcomes = await during;

    const stored = [5, 6, 7, 8, 9].filter((_, index) => outcomes[index].status === 'fulfilled');
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(TransportError);
    }
    for (let n = 10; n < 15; n++) await sender.bus.send('count.it', { n });
    await until(() => [...stored, 10, 11, 12, 13, 14].every((n) => counter.handled.has(n)), 10_000, 'the messages sent around the restart');
    expect(stored.length).toBeGreaterThan(0);
    // Nest's Logger writes to the logger of the application created last, so read both.
    const lines = [worker, sender].flatMap((app) => app.logger.lines);
    expect(lines.some((line) => line.includes(`reader:workers connection to redis://:***@127.0.0.1:${server.port}`))).toBe(true);
    expect(leaked([worker, sender])).toEqual([]);
  });

  it('rejects a send with a TransportError naming the server, password masked, while Redis stays down', async () => {
    const sender = await start('sender', { redisOptions: { maxRetriesPerRequest: 1 } });
    await server.stop();
    const error = await sender.bus.send('count.it', { n: 1 }).then(
      () => undefined,
      (rejected: unknown) => rejected,
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'TRANSPORT_ERROR' });
    expect((error as Error).message).toContain(`redis://:***@127.0.0.1:${server.port}`);
    expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
    expect(inspect(error, { depth: 10 })).not.toContain(encodeURIComponent(PASSWORD));
    expect(leaked([sender])).toEqual([]);
  });

  it('warns once that Redis lost its state (flushed under it), recreates the group and handles again', async () => {
    const worker = await start('workers', {}, [Counter] as never[]);
    const sender = await start('sender');
    const counter = worker.get(Counter);
    await sender.bus.send('count.it', { n: 1 });
    await until(() => counter.handled.size === 1);

    const admin = new Redis(server.url);
    try {
      await admin.flushall();
      // Every bus connection is dropped and comes back to an empty Redis.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    } finally {
      admin.disconnect();
    }
    const lost = (app: BusApp) => app.logger.lines.filter((line) => line.includes("no longer holds this instance's state"));
    await until(() => lost(worker).length + lost(sender).length >= 2, 5_000, 'the state-lost warnings');
    await until(async () => {
      await sender.bus.send('count.it', { n: 2 }).catch(() => undefined);
      return counter.handled.has(2);
    }, 10_000, 'a send handled after the flush');
    // Nest's Logger writes to the logger of the application created last, so read both.
    expect(lost(worker).length + lost(sender).length).toBe(2);
  });

  it('drops a reader connection that went silent (a blackhole) and reads again once the network heals', async () => {
    const proxy = await TcpProxy.start(server.url);
    try {
      const worker = await start('workers', { url: proxy.url(server.url) }, [Counter] as never[]);
      const sender = await start('sender');
      const counter = worker.get(Counter);
      await sender.bus.send('count.it', { n: 1 });
      await until(() => counter.handled.size === 1);

      proxy.blackhole();
      // Nest's Logger writes to the logger of the application created last, so read both.
      const silent = () => [worker, sender].flatMap((app) => app.logger.lines).filter((line) => line.includes('no answer from Redis to a blocking read'));
      await until(() => silent().length > 0, 8_000, 'the silent reader noticed');
      await sender.bus.send('count.it', { n: 2 });
      proxy.heal();
      await until(() => counter.handled.has(2), 10_000, 'the message sent during the blackhole');
      expect(silent()).toHaveLength(1);
    } finally {
      // Closed through the proxy while it still forwards.
      await apps.closeAll();
      await proxy.cut();
    }
  });
});
