import { Controller, Get, Inject, Injectable, Post, Scope, type INestApplication } from '@nestjs/common';
import { ContextIdFactory, REQUEST, type ContextId, type ContextIdStrategy, type HostComponentInfo } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BusSession,
  CommandHandler,
  EventHandler,
  MESSAGE_CONTEXT,
  MessageBus,
  MessageBusModule,
  MessageContext,
  QueryHandler,
} from 'nestjs-message-bus';
import { recordBus } from 'nestjs-message-bus/testing';
import { AppTracker, CollectingLogger, until } from '../support/bus-app.js';
import { registerTracing } from './observability/traced-chain.js';

let created = 0;

@Injectable({ scope: Scope.REQUEST })
class PerMessage {
  readonly instance = ++created;
  constructor(@Inject(MESSAGE_CONTEXT) readonly context: MessageContext, @Inject(REQUEST) readonly request: unknown) {}

  @QueryHandler('scoped.who')
  async who(_: unknown, context: MessageContext) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    return {
      instance: this.instance,
      sameContext: this.context === context && this.request === context && context instanceof MessageContext,
      id: context.envelope.id,
    };
  }
}

@Injectable({ scope: Scope.REQUEST })
class Tracker {
  readonly instance = ++created;
  readonly visits: string[] = [];
}

/** Default scope, but depends on a request-scoped provider: request-scoped too. */
@Injectable()
class FirstVisitor {
  static readonly seen: { tracker: number; visits: string[] }[] = [];
  constructor(private readonly tracker: Tracker) {}
  @EventHandler('scoped.visit', 10)
  visit() {
    this.tracker.visits.push('first');
  }
}

@Injectable()
class SecondVisitor {
  constructor(private readonly tracker: Tracker) {}
  @EventHandler('scoped.visit', 20)
  visit() {
    this.tracker.visits.push('second');
    FirstVisitor.seen.push({ tracker: this.tracker.instance, visits: [...this.tracker.visits] });
  }
}

@Injectable({ scope: Scope.REQUEST, durable: true })
class TenantCache {
  readonly instance = ++created;
  constructor(@Inject(REQUEST) readonly payload: { tenant: string }) {}
}

@Injectable()
class TenantReader {
  constructor(private readonly cache: TenantCache) {}
  @QueryHandler('tenant.cache')
  read() {
    return { instance: this.cache.instance, tenant: this.cache.payload.tenant };
  }
}

class TenantStrategy implements ContextIdStrategy {
  private readonly trees = new Map<string, ContextId>();
  attach(contextId: ContextId, request: unknown) {
    const tenant = (request as MessageContext).envelope.headers.tenant ?? 'none';
    let tree = this.trees.get(tenant);
    if (!tree) this.trees.set(tenant, (tree = ContextIdFactory.create()));
    const durableTree = tree;
    return { resolve: (info: HostComponentInfo) => (info.isTreeDurable ? durableTree : contextId), payload: { tenant } };
  }
}

@Injectable()
class SessionUser {
  static sessions: { id: string; handlers: number }[] = [];
  constructor(private readonly session: BusSession, private readonly bus: MessageBus) {}
  @EventHandler('session.start')
  start() {
    this.session.on('session.reply', () => undefined);
    SessionUser.sessions.push({ id: this.session.id, handlers: sessionHandlers(this.bus) });
  }
}

@Controller()
class SessionController {
  static lastSession?: BusSession;
  constructor(private readonly session: BusSession) {}
  @Get('session')
  open() {
    SessionController.lastSession = this.session;
    this.session.on('session.reply', () => undefined);
    return { id: this.session.id };
  }
}

@Controller()
class OrderController {
  constructor(private readonly session: BusSession) {}
  @Post('orders')
  async place() {
    await this.session.send('http.order', {});
    await this.session.publish('http.audit', {}, { correlationId: 'chosen-by-caller' });
    return { ok: true };
  }
}

@Injectable()
class OrderHandler {
  @CommandHandler('http.order')
  async handle(_: unknown, context: MessageContext) {
    await context.bus.publish('http.ordered', {});
  }
}

async function startHttpApp(providers: (new (...args: never[]) => unknown)[] = [OrderHandler]): Promise<INestApplication> {
  const module = await Test.createTestingModule({ imports: [MessageBusModule.forRoot('memory://')], controllers: [OrderController], providers })
    .setLogger(new CollectingLogger())
    .compile();
  const app = module.createNestApplication();
  await app.init();
  return app;
}

function sessionHandlers(bus: MessageBus): number {
  return bus.handlers().filter((handler) => handler.sessionId !== undefined).length;
}

describe('request-scoped handlers', () => {
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());

  it('see MessageContext, a class, as the type of a decorated parameter (emitted metadata)', () => {
    expect(Reflect.getMetadata('design:paramtypes', PerMessage.prototype, 'who')).toEqual([Object, MessageContext]);
  });

  it('get a fresh instance per message, with MESSAGE_CONTEXT and REQUEST being its context', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [PerMessage] });
    const first = await app.bus.request<{ instance: number; sameContext: boolean }>('scoped.who', {});
    const second = await app.bus.request<{ instance: number; sameContext: boolean }>('scoped.who', {});
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(first.data.sameContext && second.data.sameContext).toBe(true);
    expect(first.data.instance).not.toBe(second.data.instance);
  });

  it('never share an instance between messages in flight at once', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [PerMessage], options: { concurrency: 50 } });
    const answers = await Promise.all(Array.from({ length: 200 }, () => app.bus.request<{ instance: number; sameContext: boolean; id: string }>('scoped.who', {})));
    const data = answers.map((answer) => (answer.ok ? answer.data : undefined));
    expect(data.every((entry) => entry?.sameContext)).toBe(true);
    expect(new Set(data.map((entry) => entry?.instance)).size).toBe(200);
    expect(new Set(data.map((entry) => entry?.id)).size).toBe(200);
  });

  it('share one DI sub-tree between the handlers of one delivery, a new one per delivery', async () => {
    FirstVisitor.seen.length = 0;
    const app = await apps.start({ transport: 'memory://', providers: [Tracker, FirstVisitor, SecondVisitor] });
    await app.bus.publish('scoped.visit', {});
    await app.bus.publish('scoped.visit', {});
    await until(() => FirstVisitor.seen.length === 2);
    expect(FirstVisitor.seen.map((entry) => entry.visits)).toEqual([
      ['first', 'second'],
      ['first', 'second'],
    ]);
    expect(FirstVisitor.seen[0].tracker).not.toBe(FirstVisitor.seen[1].tracker);
  });

  it('honour durable providers with a ContextIdStrategy, as Nest documents', async () => {
    ContextIdFactory.apply(new TenantStrategy());
    try {
      const app = await apps.start({ transport: 'memory://', providers: [TenantCache, TenantReader] });
      const ask = async (tenant: string) => {
        const answer = await app.bus.request<{ instance: number; tenant: string }>('tenant.cache', {}, { headers: { tenant } });
        if (!answer.ok) throw new Error(answer.error.message);
        return answer.data;
      };
      const a1 = await ask('acme');
      const a2 = await ask('acme');
      const b1 = await ask('globex');
      expect(a1).toEqual({ instance: a2.instance, tenant: 'acme' });
      expect(b1.tenant).toBe('globex');
      expect(b1.instance).not.toBe(a1.instance);
    } finally {
      ContextIdFactory.apply(undefined as unknown as ContextIdStrategy);
    }
  });
});

describe('request-bound sessions', () => {
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());

  it('inside a handler: the message session, closed once its handlers finished', async () => {
    SessionUser.sessions = [];
    const app = await apps.start({ transport: 'memory://', providers: [SessionUser] });
    await app.bus.publish('session.start', {}, { sessionId: 'caller-1' });
    await until(() => SessionUser.sessions.length === 1);
    expect(SessionUser.sessions[0]).toEqual({ id: 'caller-1', handlers: 1 });
    await until(() => sessionHandlers(app.bus) === 0);
  });

  it('in an HTTP request: the x-session-id session, closed when the response ends', async () => {
    const module = await Test.createTestingModule({ imports: [MessageBusModule.forRoot('memory://')], controllers: [SessionController] })
      .setLogger(new CollectingLogger())
      .compile();
    const app = module.createNestApplication();
    await app.init();
    try {
      const bus = app.get(MessageBus);
      const { body } = await request(app.getHttpServer()).get('/session').set('x-session-id', 'browser-9').expect(200);
      expect(body).toEqual({ id: 'browser-9' });
      await until(() => sessionHandlers(bus) === 0);
      const anonymous = await request(app.getHttpServer()).get('/session').expect(200);
      expect(anonymous.body.id).toEqual(expect.any(String));
      expect(anonymous.body.id).not.toBe('browser-9');
    } finally {
      await app.close();
    }
  });
});

describe('the correlation of an HTTP request', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('x-correlation-id becomes the correlation of what its session sends, and of the follow-ups', async () => {
    app = await startHttpApp();
    const recorder = recordBus(app.get(MessageBus));
    await request(app.getHttpServer()).post('/orders').set('x-correlation-id', 'req-7f3a').set('x-session-id', 'tab-2').expect(201);
    const [order] = await recorder.waitFor('http.order');
    const [followUp] = await recorder.waitFor('http.ordered');
    expect(order).toMatchObject({ correlationId: 'req-7f3a', sessionId: 'tab-2' });
    expect(followUp).toMatchObject({ correlationId: 'req-7f3a', sessionId: 'tab-2', causationId: order.id });
    // A message's own option still wins.
    expect(recorder.published('http.audit')[0].correlationId).toBe('chosen-by-caller');
  });

  it('without the header (or with one too long to be an id), each message starts its own correlation', async () => {
    app = await startHttpApp();
    const recorder = recordBus(app.get(MessageBus));
    await request(app.getHttpServer()).post('/orders').expect(201);
    await request(app.getHttpServer()).post('/orders').set('x-correlation-id', 'x'.repeat(256)).expect(201);
    const orders = await recorder.waitFor('http.order', { count: 2 });
    expect(orders.map((order) => order.correlationId)).toEqual(orders.map((order) => order.id));
    // Tracing is off here: a traceparent of the request does not travel.
    expect(orders.every((order) => order.headers.traceparent === undefined)).toBe(true);
  });

  describe('with OpenTelemetry registered', () => {
    let tracing: ReturnType<typeof registerTracing>;
    beforeAll(() => {
      tracing = registerTracing();
    });
    afterAll(() => tracing.unregister());

    it("the request's traceparent is the parent of the spans of what its session sends", async () => {
      app = await startHttpApp();
      const recorder = recordBus(app.get(MessageBus));
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const callerSpan = '00f067aa0ba902b7';
      await request(app.getHttpServer())
        .post('/orders')
        .set('traceparent', `00-${traceId}-${callerSpan}-01`)
        .set('x-correlation-id', 'req-traced')
        .expect(201);
      const [order] = await recorder.waitFor('http.order');
      await recorder.waitFor('http.ordered');
      expect(order.correlationId).toBe('req-traced');
      expect(order.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(order.headers.traceparent).not.toContain(callerSpan);
      await until(() => tracing.exporter.getFinishedSpans().some((span) => span.name === 'publish http.ordered'));
      const spans = tracing.exporter.getFinishedSpans();
      const send = spans.find((span) => span.name === 'send http.order');
      expect(send?.spanContext().traceId).toBe(traceId);
      expect(send?.parentSpanContext?.spanId).toBe(callerSpan);
      expect(spans.find((span) => span.name === 'publish http.ordered')?.spanContext().traceId).toBe(traceId);
    });
  });
});
