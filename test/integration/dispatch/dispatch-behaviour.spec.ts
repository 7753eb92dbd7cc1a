import { Injectable } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DuplicateHandlerError,
  EventHandler,
  CommandHandler,
  MemoryTransport,
  OverloadedError,
  type MessageContext,
  type Transport,
} from 'nestjs-message-bus';
import type { TransportConnection } from 'nestjs-message-bus/transport';
import { AppTracker, deferred, startBusApp, until } from '../../support/bus-app.js';

@Injectable()
class Slow {
  gate = deferred();
  readonly handled: number[] = [];
  @EventHandler('slow.work')
  async work(payload: { n: number }) {
    await this.gate.promise;
    this.handled.push(payload.n);
  }
}

@Injectable()
class Retrying {
  readonly attempts: number[] = [];
  @CommandHandler('retry.later', { retry: { maxAttempts: 3, initialDelayMs: 60_000 } })
  later(_: unknown, context: MessageContext) {
    this.attempts.push(context.attempt);
    if (context.attempt < 3) throw new Error('not yet');
  }
}

@Injectable()
class Timed {
  @CommandHandler('timed.hang', { timeoutMs: 30, retry: { maxAttempts: 2, initialDelayMs: 10 } })
  async hang() {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return 'too late';
  }
}

@Injectable()
class Limited {
  running = 0;
  max = 0;
  gate = deferred();
  @EventHandler('limited.evt', { concurrency: 2 })
  async on() {
    this.running += 1;
    this.max = Math.max(this.max, this.running);
    await this.gate.promise;
    this.running -= 1;
  }
}

@Injectable()
class OwnerA {
  @CommandHandler('owned.cmd')
  run() {}
}

describe('memory transport', () => {
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());

  it('at shutdown, runs messages waiting for a retry delay at once: nothing accepted is lost', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Retrying] });
    await app.bus.send('retry.later', {});
    await until(() => app.get(Retrying).attempts.length === 1);
    await app.close();
    expect(app.get(Retrying).attempts).toEqual([1, 2, 3]);
    expect(app.bus.getStats()).toMatchObject({ delivered: 1, failed: 2, deadLettered: 0 });
  });

  it('block: a publisher waits for room in a full queue', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Slow], options: { concurrency: 1, maxQueueSize: 2 } });
    const slow = app.get(Slow);
    const published = [0, 1, 2, 3].map((n) => app.bus.publish('slow.work', { n }));
    let fourthDone = false;
    void published[3].then(() => (fourthDone = true));
    await Promise.all(published.slice(0, 3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fourthDone).toBe(false);
    expect(app.bus.getStats()).toMatchObject({ inFlight: 1, queued: 3 });
    slow.gate.resolve();
    await Promise.all(published);
    await until(() => slow.handled.length === 4);
    expect(slow.handled).toEqual([0, 1, 2, 3]);
  });

  it('reject-new: a publisher meeting a full queue gets OverloadedError', async () => {
    const app = await apps.start({
      transport: 'memory://',
      providers: [Slow],
      options: { concurrency: 1, maxQueueSize: 2, backpressure: 'reject-new' },
    });
    await app.bus.publish('slow.work', { n: 0 });
    await until(() => app.bus.getStats().inFlight === 1);
    await app.bus.publish('slow.work', { n: 1 });
    await app.bus.publish('slow.work', { n: 2 });
    const refused = app.bus.publish('slow.work', { n: 3 });
    await expect(refused).rejects.toBeInstanceOf(OverloadedError);
    await expect(refused).rejects.toMatchObject({ code: 'OVERLOADED' });
    app.get(Slow).gate.resolve();
  });

  it('fails an attempt that runs past the handler timeout, retries it, and ignores the late result', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Timed] });
    const result = await app.bus.execute('timed.hang', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'HANDLER_ERROR', message: expect.stringMatching(/did not finish within 30 ms/) } });
    const [letter] = await app.bus.deadLetters.list();
    expect(letter).toMatchObject({ reason: 'ATTEMPTS_EXHAUSTED', error: { code: 'HANDLER_TIMEOUT' }, envelope: { attempt: 2 } });
  });

  it('limits one handler to its own concurrency', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Limited], options: { concurrency: 10 } });
    for (let i = 0; i < 6; i++) await app.bus.publish('limited.evt', {});
    const limited = app.get(Limited);
    await until(() => limited.running === 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(limited.running).toBe(2);
    limited.gate.resolve();
    await until(() => app.bus.getStats().delivered === 6);
    expect(limited.max).toBe(2);
  });

  it('refuses a second service binding a command topic another service owns', async () => {
    const shared = new MemoryTransport();
    await apps.start({ transport: shared, providers: [OwnerA], options: { serviceName: 'one' } });
    await expect(apps.start({ transport: shared, providers: [OwnerA], options: { serviceName: 'two' } })).rejects.toBeInstanceOf(
      DuplicateHandlerError,
    );
  });
});

@Injectable()
class Held {
  gate = deferred();
  readonly handled: string[] = [];
  @EventHandler('held.evt')
  @CommandHandler('held.cmd')
  async on(payload: { name: string }) {
    await this.gate.promise;
    this.handled.push(payload.name);
  }
}

describe('memory transport backpressure strategies', () => {
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());

  it('drop-oldest: drops the oldest queued events (counted), never commands', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Held], options: { concurrency: 1, maxQueueSize: 3, backpressure: 'drop-oldest' } });
    const held = app.get(Held);
    await app.bus.publish('held.evt', { name: 'running' });
    await until(() => app.bus.getStats().inFlight === 1);
    await app.bus.send('held.cmd', { name: 'cmd-1' });
    for (const name of ['e1', 'e2', 'e3', 'e4']) await app.bus.publish('held.evt', { name });
    expect(app.bus.getStats()).toMatchObject({ queued: 3, dropped: 2 });
    held.gate.resolve();
    await until(() => held.handled.length === 4);
    expect(held.handled).toEqual(['running', 'cmd-1', 'e3', 'e4']);
  });

  it('drop-oldest: a command meeting a queue full of commands waits', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Held], options: { concurrency: 1, maxQueueSize: 2, backpressure: 'drop-oldest' } });
    await app.bus.send('held.cmd', { name: 'running' });
    await until(() => app.bus.getStats().inFlight === 1);
    await app.bus.send('held.cmd', { name: 'c1' });
    await app.bus.send('held.cmd', { name: 'c2' });
    let sent = false;
    const third = app.bus.send('held.cmd', { name: 'c3' }).then(() => (sent = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toBe(false);
    app.get(Held).gate.resolve();
    await third;
    await until(() => app.get(Held).handled.length === 4);
    expect(app.bus.getStats().dropped).toBe(0);
  });

  it('adaptive: admission slows down past half full and blocks when full', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Held], options: { concurrency: 1, maxQueueSize: 10, backpressure: 'adaptive' } });
    await app.bus.publish('held.evt', { name: 'running' });
    await until(() => app.bus.getStats().inFlight === 1);
    const began = performance.now();
    for (let i = 0; i < 5; i++) await app.bus.publish('held.evt', { name: `fast${i}` });
    const fast = performance.now() - began;
    const slowStart = performance.now();
    for (let i = 0; i < 5; i++) await app.bus.publish('held.evt', { name: `slow${i}` });
    const slow = performance.now() - slowStart;
    // Waits of 0, 4, 8, 12 and 16 ms at 5..9 queued of 10.
    expect(fast).toBeLessThan(20);
    expect(slow).toBeGreaterThanOrEqual(36);
    let admitted = false;
    const full = app.bus.publish('held.evt', { name: 'blocked' }).then(() => (admitted = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(admitted).toBe(false);
    app.get(Held).gate.resolve();
    await full;
    await until(() => app.get(Held).handled.length === 12);
  });
});

/** The memory transport, whose connections never finish closing: a broker gone silent. */
class StuckTransport implements Transport {
  readonly name = 'memory';
  private readonly inner = new MemoryTransport();
  async connect(context: Parameters<Transport['connect']>[0]): Promise<TransportConnection> {
    const connection = await this.inner.connect(context);
    return Object.assign(Object.create(connection) as TransportConnection, { close: () => new Promise<void>(() => undefined) });
  }
}

describe('shutdown bounds', () => {
  it('a transport that never finishes closing holds shutdown at most drainTimeoutMs', async () => {
    const app = await startBusApp({ transport: new StuckTransport(), options: { drainTimeoutMs: 200 } });
    const began = performance.now();
    await app.close();
    expect(performance.now() - began).toBeLessThan(1000);
    expect(app.logger.lines).toContain('warn The memory transport did not close within 200 ms');
  });
});
