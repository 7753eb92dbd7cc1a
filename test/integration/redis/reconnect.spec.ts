import { Injectable } from '@nestjs/common';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler } from 'nestjs-message-bus';
import { RedisTransport, TransportError } from 'nestjs-message-bus/redis';
import { AppTracker, until, type BusApp } from '../../support/bus-app.js';
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
});
