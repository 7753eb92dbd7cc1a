import { Injectable } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CommandHandler,
  EventHandler,
  InvalidOptionsError,
  InvalidTopicError,
  NoHandlerError,
  PayloadTooLargeError,
  QueryHandler,
  Topic,
  UnrecoverableError,
  type Envelope,
  type MessageContext,
  type BusOptions,
  type Transport,
} from '../../index.js';
import { recordBus } from '../record-bus.js';
import { AppTracker, deferred, until, type Deferred } from './bus-app.js';

/** Makes a transport isolated from every other one it made (its own broker namespace). */
export type TransportFactory = () => Transport;

const FAST_RETRY = { initialDelayMs: 20, factor: 2, maxDelayMs: 1000 };

@Topic('contract.Spoken')
export class Spoken {
  constructor(readonly text: string) {}
  shout(): string {
    return this.text.toUpperCase();
  }
}

@Injectable()
class Router {
  readonly calls: string[] = [];
  @EventHandler('route.exact')
  exact(_: unknown, context: MessageContext) {
    this.calls.push(`exact:${context.topic}`);
  }
  @EventHandler('route.*')
  star(_: unknown, context: MessageContext) {
    this.calls.push(`star:${context.topic}`);
  }
  @EventHandler('route.#')
  hash(_: unknown, context: MessageContext) {
    this.calls.push(`hash:${context.topic}`);
  }
  @EventHandler(['other.a', 'other.b'])
  several(_: unknown, context: MessageContext) {
    this.calls.push(`several:${context.topic}`);
  }
}

@Injectable()
class Ordered {
  readonly order: string[] = [];
  @EventHandler('order.placed', 90)
  last() {
    this.order.push('p90');
  }
  @EventHandler('order.placed', 10)
  first() {
    this.order.push('p10');
  }
  @EventHandler('order.*', { priority: 50 })
  middleA() {
    this.order.push('p50a');
  }
  @EventHandler('order.placed', 50)
  middleB() {
    this.order.push('p50b');
  }
}

@Injectable()
class Isolated {
  readonly calls: string[] = [];
  @EventHandler('iso.happened', 10)
  steady(_: unknown, context: MessageContext) {
    this.calls.push(`steady#${context.attempt}`);
  }
  @EventHandler('iso.happened', { priority: 20, retry: FAST_RETRY })
  flaky(_: unknown, context: MessageContext) {
    this.calls.push(`flaky#${context.attempt}`);
    if (context.attempt === 1) throw new Error('first attempt fails');
  }
  @EventHandler('iso.happened', 30)
  trailing(_: unknown, context: MessageContext) {
    this.calls.push(`trailing#${context.attempt}`);
  }
}

@Injectable()
class Commands {
  readonly handled: unknown[] = [];
  @CommandHandler('cmd.do')
  run(payload: { n: number }) {
    this.handled.push(payload);
    return payload.n * 2;
  }
  @CommandHandler(Spoken)
  speak(payload: Spoken) {
    return payload instanceof Spoken ? payload.shout() : 'not an instance';
  }
}

/** A handler that blocks on a gate, to build a backlog behind it. */
@Injectable()
class Gated {
  readonly order: string[] = [];
  gate: Deferred = deferred();
  readonly entered = deferred();
  running = 0;
  maxRunning = 0;
  @EventHandler('gated.work')
  async work(payload: { name: string }) {
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.order.push(payload.name);
    this.entered.resolve();
    await this.gate.promise;
    this.running -= 1;
  }
}

@Injectable()
class Failing {
  readonly attempts: { attempt: number; at: number }[] = [];
  @CommandHandler('fail.always', { retry: { ...FAST_RETRY, maxAttempts: 3 } })
  always(_: unknown, context: MessageContext) {
    this.attempts.push({ attempt: context.attempt, at: performance.now() });
    throw new Error(`attempt ${context.attempt} failed`);
  }
  @CommandHandler('fail.default')
  byMessage(_: unknown, context: MessageContext) {
    this.attempts.push({ attempt: context.attempt, at: performance.now() });
    throw new Error('fails by message policy');
  }
  @CommandHandler('fail.fatal')
  fatal() {
    throw new UnrecoverableError('cannot ever work');
  }
  @CommandHandler('fail.string')
  weird() {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw 'a plain string';
  }
  @CommandHandler('fail.once', { retry: FAST_RETRY })
  once(_: unknown, context: MessageContext) {
    this.attempts.push({ attempt: context.attempt, at: performance.now() });
    if (this.attempts.length === 1) throw new Error('only the first time');
    return `done on attempt ${context.attempt}`;
  }
}

@Injectable()
class Queries {
  @QueryHandler('q.echo')
  echo(payload: unknown) {
    return payload;
  }
  @QueryHandler('q.slow')
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return 'late';
  }
  @QueryHandler('q.broken')
  broken() {
    throw new Error('query exploded');
  }
}

/** A chain: command -> (after an await) event -> (after an await) follow-up event. */
@Injectable()
class Chain {
  readonly seen: Envelope[] = [];
  @CommandHandler('chain.start')
  async start(_: unknown, context: MessageContext) {
    this.seen.push(context.envelope);
    await new Promise((resolve) => setTimeout(resolve, 1));
    await context.bus.publish('chain.middle', {});
    return 'started';
  }
  @EventHandler('chain.middle')
  async middle(_: unknown, context: MessageContext) {
    this.seen.push(context.envelope);
    await Promise.resolve();
    await context.bus.publish('chain.end', {});
  }
  @EventHandler('chain.end')
  end(_: unknown, context: MessageContext) {
    this.seen.push(context.envelope);
  }
}

@Injectable()
class Worker {
  readonly seen: number[] = [];
  @CommandHandler('group.cmd')
  onCommand(payload: { n: number }) {
    this.seen.push(payload.n);
  }
}

@Injectable()
class Listener {
  readonly seen: string[] = [];
  @EventHandler('group.evt')
  onEvent(payload: { n: number }) {
    this.seen.push(`evt${payload.n}`);
  }
  @EventHandler('group.evt', { broadcast: true })
  onBroadcast(payload: { n: number }) {
    this.seen.push(`broadcast${payload.n}`);
  }
}

@Injectable()
class Answering {
  @QueryHandler('remote.whoami')
  whoami() {
    return 'answering-service';
  }
}

/**
 * The semantics every transport must have; run once per transport, and once per codec
 * (`moduleOptions`, merged under each test's own, say which).
 */
export function busContract(name: string, makeTransport: TransportFactory, moduleOptions: BusOptions = {}): void {
  describe(`bus contract on ${name}`, () => {
    const apps = new AppTracker();
    afterEach(() => apps.closeAll());
    const start = (providers: unknown[], options = {}, transport: Transport = makeTransport()) =>
      apps.start({ transport, providers: providers as never[], options: { retry: FAST_RETRY, ...moduleOptions, ...options } });

    describe('routing', () => {
      it('delivers an event to exact, * and # handlers that match, and no others', async () => {
        const app = await start([Router]);
        const router = app.get(Router);
        await app.bus.publish('route.exact', {});
        await app.bus.publish('route.a.b', {});
        await app.bus.publish('route', {});
        await app.bus.publish('other.b', {});
        await until(() => router.calls.length >= 6);
        expect([...router.calls].sort()).toEqual(
          ['exact:route.exact', 'hash:route', 'hash:route.a.b', 'hash:route.exact', 'several:other.b', 'star:route.exact'].sort(),
        );
      });

      it('counts an event nobody subscribes to as unrouted, without error', async () => {
        const app = await start([Router]);
        await expect(app.bus.publish('nobody.listens', {})).resolves.toBeUndefined();
        expect(app.bus.getStats().unrouted).toBe(1);
      });

      it('publishes a @Topic instance under its topic, and its handler receives that class', async () => {
        const app = await start([Commands]);
        const result = await app.bus.execute<string>(new Spoken('hello'));
        expect(result).toMatchObject({ ok: true, data: 'HELLO' });
      });
    });

    describe('fan-out', () => {
      it('runs the handlers of one event in handler-priority order, ties in registration order', async () => {
        const app = await start([Ordered]);
        await app.bus.publish('order.placed', {});
        await until(() => app.get(Ordered).order.length === 4);
        expect(app.get(Ordered).order).toEqual(['p10', 'p50a', 'p50b', 'p90']);
      });

      it('retries a failing handler alone; the others of the event are not re-run', async () => {
        const app = await start([Isolated]);
        await app.bus.publish('iso.happened', {});
        await until(() => app.get(Isolated).calls.includes('flaky#2'));
        await until(() => app.bus.getStats().inFlight === 0 && app.bus.getStats().queued === 0);
        // The retry is a message of its own: on a loaded broker it may run before the first
        // delivery's last handler. What matters is that only the failed handler ran again.
        expect([...app.get(Isolated).calls].sort()).toEqual(['flaky#1', 'flaky#2', 'steady#1', 'trailing#1']);
        expect(app.bus.getStats()).toMatchObject({ failed: 1, retried: 1, delivered: 3, deadLettered: 0 });
      });
    });

    describe('commands', () => {
      it('delivers a sent command to its one handler', async () => {
        const app = await start([Commands]);
        await app.bus.send('cmd.do', { n: 1 });
        await until(() => app.get(Commands).handled.length === 1);
        expect(app.get(Commands).handled).toEqual([{ n: 1 }]);
      });

      it('rejects a command nobody handles with NoHandlerError (code NO_HANDLER)', async () => {
        const app = await start([Commands]);
        const sent = app.bus.send('cmd.unknown', {});
        await expect(sent).rejects.toBeInstanceOf(NoHandlerError);
        await expect(sent).rejects.toMatchObject({ code: 'NO_HANDLER', topic: 'cmd.unknown' });
      });

      it('execute returns the handler value with the command id', async () => {
        const app = await start([Commands]);
        const result = await app.bus.execute<number>('cmd.do', { n: 21 });
        expect(result).toEqual({ ok: true, data: 42, commandId: expect.any(String) });
      });

      it('execute answers NO_HANDLER at once for an unknown command', async () => {
        const app = await start([Commands]);
        const began = performance.now();
        const result = await app.bus.execute('cmd.unknown', {}, { timeoutMs: 5000 });
        expect(result).toMatchObject({ ok: false, error: { code: 'NO_HANDLER' } });
        expect(performance.now() - began).toBeLessThan(1000);
      });
    });

    describe('message priority and concurrency', () => {
      it('serves a backlog lowest priority number first', async () => {
        const app = await start([Gated], { concurrency: 1 });
        const gated = app.get(Gated);
        await app.bus.publish('gated.work', { name: 'blocker' });
        await gated.entered.promise;
        await app.bus.publish('gated.work', { name: 'p90' }, { priority: 90 });
        await app.bus.publish('gated.work', { name: 'p10' }, { priority: 10 });
        await app.bus.publish('gated.work', { name: 'p50' });
        await app.bus.publish('gated.work', { name: 'p0' }, { priority: 0 });
        await until(() => app.bus.getStats().queued === 4);
        gated.gate.resolve();
        await until(() => gated.order.length === 5);
        expect(gated.order).toEqual(['blocker', 'p0', 'p10', 'p50', 'p90']);
      });

      it('never runs more than `concurrency` messages at once', async () => {
        const app = await start([Gated], { concurrency: 3 });
        const gated = app.get(Gated);
        for (let i = 0; i < 10; i++) await app.bus.publish('gated.work', { name: `m${i}` });
        await until(() => gated.running === 3 && app.bus.getStats().queued === 7);
        expect(app.bus.getStats()).toMatchObject({ inFlight: 3, queued: 7 });
        gated.gate.resolve();
        await until(() => gated.order.length === 10);
        expect(gated.maxRunning).toBe(3);
      });
    });

    describe('retries and dead letters', () => {
      it('retries with exponential backoff, then dead-letters with reason, error and attempts', async () => {
        const app = await start([Failing]);
        await app.bus.send('fail.always', { id: 7 });
        await until(async () => (await app.bus.deadLetters.count()) === 1);
        const attempts = app.get(Failing).attempts;
        expect(attempts.map((entry) => entry.attempt)).toEqual([1, 2, 3]);
        expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(19);
        expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(39);
        const [letter] = await app.bus.deadLetters.list();
        expect(letter).toMatchObject({
          reason: 'ATTEMPTS_EXHAUSTED',
          error: { message: 'attempt 3 failed' },
          handler: 'Failing.always',
          envelope: { topic: 'fail.always', payload: { id: 7 }, attempt: 3, maxAttempts: 3 },
        });
        expect(app.bus.getStats()).toMatchObject({ failed: 3, retried: 2, deadLettered: 1 });
      });

      it('takes maxAttempts from the message unless the handler sets its own', async () => {
        const app = await start([Failing], { retry: { ...FAST_RETRY, maxAttempts: 4 } });
        await app.bus.send('fail.default', {}, { maxAttempts: 2 });
        await app.bus.send('fail.always', {}, { maxAttempts: 5 });
        await until(async () => (await app.bus.deadLetters.count()) === 2);
        const byTopic = Object.fromEntries(
          (await app.bus.deadLetters.list()).map((letter) => [letter.envelope.topic, letter.envelope.attempt]),
        );
        expect(byTopic).toEqual({ 'fail.default': 2, 'fail.always': 3 });
      });

      it('takes the module policy when neither sets one', async () => {
        const app = await start([Failing], { retry: { ...FAST_RETRY, maxAttempts: 4 } });
        await app.bus.send('fail.default', {});
        await until(async () => (await app.bus.deadLetters.count()) === 1);
        expect(app.get(Failing).attempts.map((entry) => entry.attempt)).toEqual([1, 2, 3, 4]);
      });

      it('dead-letters an UnrecoverableError at once', async () => {
        const app = await start([Failing]);
        await app.bus.send('fail.fatal', {});
        await until(async () => (await app.bus.deadLetters.count()) === 1);
        const [letter] = await app.bus.deadLetters.list();
        expect(letter).toMatchObject({ reason: 'UNRECOVERABLE', error: { message: 'cannot ever work', code: 'UNRECOVERABLE' } });
        expect(letter.envelope.attempt).toBe(1);
        expect(app.bus.getStats().retried).toBe(0);
      });

      it('handles a thrown non-Error like an Error', async () => {
        const app = await start([Failing], { retry: { ...FAST_RETRY, maxAttempts: 1 } });
        await app.bus.send('fail.string', {});
        await until(async () => (await app.bus.deadLetters.count()) === 1);
        const [letter] = await app.bus.deadLetters.list();
        expect(letter.error?.message).toBe('Non-error thrown: a plain string');
      });

      it('lists by topic and limit, counts, replays with attempts reset, and purges', async () => {
        const app = await start([Failing], { retry: { ...FAST_RETRY, maxAttempts: 1 } });
        await app.bus.send('fail.once', { n: 1 }, { maxAttempts: 1 });
        for (let i = 0; i < 3; i++) await app.bus.send('fail.fatal', { i });
        await until(async () => (await app.bus.deadLetters.count()) === 4);
        expect(await app.bus.deadLetters.count({ topic: 'fail.fatal' })).toBe(3);
        expect(await app.bus.deadLetters.list({ topic: 'fail.fatal', limit: 2 })).toHaveLength(2);
        const [once] = await app.bus.deadLetters.list({ topic: 'fail.once' });
        const recorder = recordBus(app.bus);
        expect(await app.bus.deadLetters.replay(once.id)).toBe(1);
        await until(() => app.get(Failing).attempts.length === 2);
        expect(app.get(Failing).attempts.map((entry) => entry.attempt)).toEqual([1, 1]);
        expect(await app.bus.deadLetters.count({ topic: 'fail.once' })).toBe(0);
        expect(recorder.published()).toEqual([expect.objectContaining({ topic: 'fail.once', attempt: 1, replyTo: undefined })]);
        expect(await app.bus.deadLetters.purge({ topic: 'fail.fatal' })).toBe(3);
        expect(await app.bus.deadLetters.count()).toBe(0);
      });

      it('keeps at most deadLetters.maxSize letters, dropping and counting the oldest', async () => {
        const app = await start([Failing], { deadLetters: { maxSize: 3 } });
        for (let i = 0; i < 5; i++) await app.bus.send('fail.fatal', { i });
        await until(() => app.bus.getStats().deadLettered === 5);
        const kept = await app.bus.deadLetters.list();
        expect(kept.map((letter) => (letter.envelope.payload as { i: number }).i)).toEqual([2, 3, 4]);
        expect(app.bus.getStats().dropped).toBe(2);
      });

      it('dead-letters as EXPIRED a message whose ttl passes while it is queued, never handling it', async () => {
        const app = await start([Gated], { concurrency: 1 });
        const gated = app.get(Gated);
        await app.bus.publish('gated.work', { name: 'blocker' });
        await gated.entered.promise;
        await app.bus.publish('gated.work', { name: 'stale' }, { ttlMs: 20 });
        await app.bus.publish('gated.work', { name: 'fresh' }, { ttlMs: 60_000 });
        await new Promise((resolve) => setTimeout(resolve, 40));
        gated.gate.resolve();
        await until(() => gated.order.length === 2);
        await until(async () => (await app.bus.deadLetters.count()) === 1);
        expect(gated.order).toEqual(['blocker', 'fresh']);
        const [letter] = await app.bus.deadLetters.list();
        expect(letter).toMatchObject({ reason: 'EXPIRED', envelope: { payload: { name: 'stale' } } });
      });
    });

    describe('request / response', () => {
      it('answers a query with the handler value', async () => {
        const app = await start([Queries]);
        expect(await app.bus.request('q.echo', { x: [1, 2] })).toEqual({ ok: true, data: { x: [1, 2] } });
      });

      it('answers TIMEOUT within the timeout plus a small slack', async () => {
        const app = await start([Queries]);
        const began = performance.now();
        const result = await app.bus.request('q.slow', {}, { timeoutMs: 50 });
        const elapsed = performance.now() - began;
        expect(result).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
        expect(elapsed).toBeGreaterThanOrEqual(49);
        expect(elapsed).toBeLessThan(250);
      });

      it('answers NO_HANDLER at once', async () => {
        const app = await start([Queries]);
        const began = performance.now();
        expect(await app.bus.request('q.nobody', {}, { timeoutMs: 10_000 })).toMatchObject({
          ok: false,
          error: { code: 'NO_HANDLER' },
        });
        expect(performance.now() - began).toBeLessThan(1000);
      });

      it('answers HANDLER_ERROR with the message, without retrying a query', async () => {
        const app = await start([Queries]);
        expect(await app.bus.request('q.broken', {})).toEqual({
          ok: false,
          error: { code: 'HANDLER_ERROR', message: 'query exploded' },
        });
        expect(app.bus.getStats()).toMatchObject({ failed: 1, retried: 0, deadLettered: 0 });
      });

      it('execute waits through retries for the final outcome', async () => {
        const app = await start([Failing]);
        expect(await app.bus.execute('fail.once', {})).toMatchObject({ ok: true, data: 'done on attempt 2' });
        const failed = await app.bus.execute('fail.always', {});
        expect(failed).toMatchObject({ ok: false, error: { code: 'HANDLER_ERROR', message: 'attempt 3 failed' } });
        expect(app.get(Failing).attempts.filter((entry) => entry.attempt === 3)).toHaveLength(1);
      });
    });

    describe('correlation', () => {
      it('propagates correlation and session through awaits, with causation = the handled message', async () => {
        const app = await start([Chain]);
        const result = await app.bus.execute('chain.start', {}, { sessionId: 'session-7' });
        expect(result.ok).toBe(true);
        const chain = app.get(Chain);
        await until(() => chain.seen.length === 3);
        const [command, middle, end] = chain.seen;
        expect(command).toMatchObject({ id: result.commandId, correlationId: result.commandId, sessionId: 'session-7' });
        expect(command.causationId).toBeUndefined();
        expect(middle).toMatchObject({ correlationId: command.id, causationId: command.id, sessionId: 'session-7' });
        expect(end).toMatchObject({ correlationId: command.id, causationId: middle.id, sessionId: 'session-7' });
      });

      it('defaults correlationId to the message id and keeps an explicit one', async () => {
        const app = await start([Router]);
        const recorder = recordBus(app.bus);
        await app.bus.publish('route.exact', {});
        await app.bus.publish('route.exact', {}, { correlationId: 'conversation-1' });
        const [first, second] = recorder.published('route.exact');
        expect(first.correlationId).toBe(first.id);
        expect(second.correlationId).toBe('conversation-1');
        expect(first.id).not.toBe(second.id);
      });
    });

    describe('sessions', () => {
      it('session handlers see only their own session, until closed', async () => {
        const app = await start([Router]);
        const alice = app.bus.session('alice');
        const bob = app.bus.session('bob');
        const heard: string[] = [];
        alice.on('talk.*', (payload) => heard.push(`alice:${(payload as { says: string }).says}`));
        bob.on('talk.*', (payload) => heard.push(`bob:${(payload as { says: string }).says}`));
        await alice.publish('talk.line', { says: 'hi' });
        await bob.publish('talk.line', { says: 'yo' });
        await app.bus.publish('talk.line', { says: 'nobody' });
        await until(() => heard.length === 2);
        await alice.close();
        await alice.publish('talk.line', { says: 'after close' });
        await bob.publish('talk.line', { says: 'still here' });
        await until(() => heard.length === 3);
        expect(heard).toEqual(['alice:hi', 'bob:yo', 'bob:still here']);
      });

      it('stamps the session id on what it publishes, and closes with await using', async () => {
        const app = await start([Queries]);
        const recorder = recordBus(app.bus);
        const heard: string[] = [];
        {
          await using session = app.bus.session();
          session.on('talk.*', (_payload, context) => heard.push(context.sessionId ?? 'none'));
          await session.publish('talk.x', {});
          expect(await session.request('q.echo', 1)).toEqual({ ok: true, data: 1 });
          await until(() => heard.length === 1);
          expect(heard).toEqual([session.id]);
          expect(recorder.published().every((envelope) => envelope.sessionId === session.id)).toBe(true);
        }
        await app.bus.publish('talk.x', {}, { sessionId: heard[0] });
        await until(() => app.bus.getStats().queued === 0 && app.bus.getStats().inFlight === 0);
        expect(heard).toHaveLength(1);
      });
    });

    describe('groups', () => {
      it('instances of one service compete: each message handled once, both get work', async () => {
        const shared = makeTransport();
        const one = await start([Worker], { serviceName: 'workers' }, shared);
        const two = await start([Worker], { serviceName: 'workers' }, shared);
        for (let n = 0; n < 20; n++) await one.bus.send('group.cmd', { n });
        const handled = () => [...one.get(Worker).seen, ...two.get(Worker).seen];
        await until(() => handled().length === 20);
        expect(new Set(handled()).size).toBe(20);
        expect(one.get(Worker).seen.length).toBeGreaterThan(0);
        expect(two.get(Worker).seen.length).toBeGreaterThan(0);
      });

      it('every service gets every event; broadcast handlers get one copy per instance', async () => {
        const shared = makeTransport();
        const a1 = await start([Listener], { serviceName: 'svc-a' }, shared);
        const a2 = await start([Listener], { serviceName: 'svc-a' }, shared);
        const b = await start([Listener], { serviceName: 'svc-b' }, shared);
        await b.bus.publish('group.evt', { n: 1 });
        const all = () => [a1, a2, b].flatMap((app) => app.get(Listener).seen);
        await until(() => all().length === 5);
        expect(all().filter((entry) => entry === 'evt1')).toHaveLength(2);
        expect(all().filter((entry) => entry === 'broadcast1')).toHaveLength(3);
        expect(b.get(Listener).seen).toEqual(expect.arrayContaining(['evt1', 'broadcast1']));
      });

      it('a query from one service is answered by another', async () => {
        const shared = makeTransport();
        await start([Answering], { serviceName: 'answerer' }, shared);
        const asker = await start([], { serviceName: 'asker' }, shared);
        expect(await asker.bus.request('remote.whoami', {})).toEqual({ ok: true, data: 'answering-service' });
      });
    });

    describe('bad input', () => {
      it('rejects an invalid topic and an out-of-range priority with typed errors', async () => {
        const app = await start([Router]);
        await expect(app.bus.publish('bad..topic', {})).rejects.toBeInstanceOf(InvalidTopicError);
        await expect(app.bus.publish('route.*', {})).rejects.toBeInstanceOf(InvalidTopicError);
        await expect(app.bus.publish('route.exact', {}, { priority: 100 })).rejects.toBeInstanceOf(InvalidOptionsError);
        await expect(app.bus.publish({ not: 'a topic class' })).rejects.toBeInstanceOf(InvalidTopicError);
      });

      it('rejects a payload over maxPayloadBytes with PayloadTooLargeError and delivers nothing', async () => {
        const app = await start([Router], { maxPayloadBytes: 1024 });
        const sent = app.bus.publish('route.exact', { blob: 'x'.repeat(2000) });
        await expect(sent).rejects.toBeInstanceOf(PayloadTooLargeError);
        await expect(sent).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: 1024 });
        await app.bus.publish('route.exact', { blob: 'x'.repeat(500) });
        await until(() => app.get(Router).calls.length === 3);
        expect(app.bus.getStats().published).toBe(1);
      });

      it('never lets __proto__ or constructor keys pollute prototypes', async () => {
        const app = await start([Commands]);
        const hostile = JSON.parse('{"text":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as object;
        const result = await app.bus.execute<string>('contract.Spoken', hostile);
        expect(result).toMatchObject({ ok: true, data: 'X' });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
      });
    });

    describe('shutdown', () => {
      it('app.close() waits for in-flight handlers; a backlog is handled before close or by the next instance', async () => {
        const transport = makeTransport();
        const app = await start([Gated], { concurrency: 1, serviceName: 'drainer' }, transport);
        const gated = app.get(Gated);
        await app.bus.publish('gated.work', { name: 'running' });
        await gated.entered.promise;
        await app.bus.publish('gated.work', { name: 'queued' });
        setTimeout(() => gated.gate.resolve(), 50);
        await app.close();
        expect(gated.running).toBe(0);
        expect(gated.order[0]).toBe('running');
        if (!gated.order.includes('queued')) {
          const next = await start([Gated], { concurrency: 1, serviceName: 'drainer' }, transport);
          next.get(Gated).gate.resolve();
          await until(() => next.get(Gated).order.includes('queued'));
        }
      });

      it('refuses to publish once closed', async () => {
        const app = await start([Router]);
        await app.close();
        await expect(app.bus.publish('route.exact', {})).rejects.toMatchObject({ code: 'BUS_CLOSED' });
      });
    });

    describe('testing helper', () => {
      it('records what was published and waits for it', async () => {
        const app = await start([Chain]);
        const recorder = recordBus(app.bus);
        const waiting = recorder.waitFor('chain.*', { count: 3 });
        await app.bus.send('chain.start', {});
        const chain = await waiting;
        expect(chain.map((envelope) => envelope.topic)).toEqual(['chain.start', 'chain.middle', 'chain.end']);
        expect(recorder.published('chain.start')).toHaveLength(1);
        recorder.clear();
        expect(recorder.published()).toEqual([]);
        await expect(recorder.waitFor('chain.never', { timeoutMs: 20 })).rejects.toThrow(/chain\.never/);
        recorder.stop();
      });
    });
  });
}
