import {
  Catch,
  Injectable,
  SetMetadata,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
  ValidationPipe,
  type CallHandler,
  type CanActivate,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { IsInt, IsString, Min } from 'class-validator';
import { of, tap, map, retry, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CommandHandler,
  EventHandler,
  isBusContext,
  MessageCtx,
  MessageValidationError,
  Payload,
  QueryHandler,
  type MessageContext,
} from 'nestjs-message-bus';
import { engineOf } from '../../lib/message-bus.js';
import { AppTracker, until } from '../support/bus-app.js';

const trail: string[] = [];

@Injectable()
class Named implements NestInterceptor {
  constructor(private readonly name: string) {}
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    trail.push(`${this.name}:before`);
    return next.handle().pipe(tap(() => trail.push(`${this.name}:after`)));
  }
}

@Injectable()
class Doubling implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => (value as number) * 2));
  }
}

@Injectable()
class Cached implements NestInterceptor {
  intercept(): Observable<unknown> {
    return of('from cache');
  }
}

@Injectable()
class AsyncExclaiming implements NestInterceptor {
  async intercept(_context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    await Promise.resolve();
    return next.handle().pipe(map((value) => `${String(value)}!`));
  }
}

@Injectable()
class RetriedOnce implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(retry(1));
  }
}

@Injectable()
class Subscribed {
  attempts = 0;
  @UseInterceptors(AsyncExclaiming)
  @QueryHandler('pipeline.async')
  late() {
    return 'late';
  }
  @UseInterceptors(RetriedOnce)
  @QueryHandler('pipeline.retried')
  flaky() {
    this.attempts += 1;
    if (this.attempts === 1) throw new Error('first attempt fails');
    return this.attempts;
  }
  @UseInterceptors(Doubling)
  @QueryHandler('pipeline.stream')
  stream(): Observable<number> {
    return of(1, 2, 3);
  }
}

const seenContexts: { type: string; data: unknown; topic: string; className: string; handler: string; role?: string }[] = [];
const Role = (role: string) => SetMetadata('role', role);

@Injectable()
class ContextProbe implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rpc = context.switchToRpc();
    seenContexts.push({
      type: context.getType(),
      data: rpc.getData(),
      topic: rpc.getContext<MessageContext>().topic,
      className: context.getClass().name,
      handler: context.getHandler().name,
      role: this.reflector.get<string>('role', context.getHandler()),
    });
    return next.handle();
  }
}

@Injectable()
class RoleGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}
  canActivate(context: ExecutionContext): boolean {
    const payload = context.switchToRpc().getData<{ role?: string }>();
    return payload.role === this.reflector.get<string>('role', context.getHandler());
  }
}

@UseInterceptors(new Named('class'))
@Injectable()
class Intercepted {
  calls = 0;
  @UseInterceptors(new Named('method-1'), new Named('method-2'))
  @QueryHandler('pipeline.trail')
  trail() {
    this.calls += 1;
    trail.push('handler');
    return 'value';
  }
  @UseInterceptors(Doubling)
  @CommandHandler('pipeline.double')
  double(payload: { n: number }) {
    return payload.n;
  }
  @UseInterceptors(Cached)
  @QueryHandler('pipeline.cached')
  cached() {
    this.calls += 1;
    return 'computed';
  }
}

@Injectable()
class Probed {
  @Role('admin')
  @UseInterceptors(ContextProbe)
  @EventHandler('pipeline.probe')
  probe() {}
}

@Injectable()
class Guarded {
  readonly events: string[] = [];
  readonly commands: string[] = [];
  @Role('admin')
  @UseGuards(RoleGuard)
  @QueryHandler('guarded.query')
  query() {
    return 'secret';
  }
  @Role('admin')
  @UseGuards(RoleGuard)
  @CommandHandler('guarded.command')
  command(payload: { role: string }) {
    this.commands.push(payload.role);
    return 'done';
  }
  @Role('admin')
  @UseGuards(RoleGuard)
  @EventHandler('guarded.event', 10)
  adminOnly(payload: { role: string }) {
    this.events.push(`admin-only:${payload.role}`);
  }
  @EventHandler('guarded.event', 20)
  everyone(payload: { role: string }) {
    this.events.push(`everyone:${payload.role}`);
  }
}

class CreateOrder {
  @IsString()
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;

  total(): number {
    return this.quantity * 10;
  }
}

@Injectable()
class Validated {
  readonly received: unknown[] = [];
  @UsePipes(new ValidationPipe({ transform: true }))
  @CommandHandler('orders.create')
  create(order: CreateOrder) {
    this.received.push(order);
    return order instanceof CreateOrder ? order.total() : 'not transformed';
  }
  @QueryHandler('orders.quantity')
  quantity(@Payload('quantity') quantity: number, @MessageCtx() context: MessageContext) {
    return `${quantity}@${context.topic}`;
  }
  @QueryHandler('orders.check')
  check(@Payload(new ValidationPipe({ transform: true })) order: CreateOrder) {
    return order.total();
  }
}

@Catch()
class ToResult implements ExceptionFilter {
  catch(error: Error) {
    return { recovered: error.message };
  }
}

@Catch()
class ToValidation implements ExceptionFilter {
  catch(error: Error) {
    throw new MessageValidationError(`filtered: ${error.message}`);
  }
}

@Injectable()
class Filtered {
  attempts = 0;
  @UseFilters(ToResult)
  @QueryHandler('filtered.result')
  result() {
    throw new Error('boom');
  }
  @UseFilters(ToValidation)
  @CommandHandler('filtered.code')
  code() {
    this.attempts += 1;
    throw new Error('bad input found late');
  }
}

@Injectable()
class Plain {
  @EventHandler('plain.evt')
  on() {}
}

@Injectable()
class HttpOnlyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    trail.push(isBusContext(context) ? 'global:bus' : 'global:http');
    return next.handle();
  }
}

describe('Nest pipeline around handlers', () => {
  const apps = new AppTracker();
  afterEach(async () => {
    trail.length = 0;
    seenContexts.length = 0;
    await apps.closeAll();
  });

  describe('interceptors', () => {
    it('wrap the handler class before method, in declaration order', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Intercepted] });
      expect(await app.bus.request('pipeline.trail', {})).toEqual({ ok: true, data: 'value' });
      expect(trail).toEqual(['class:before', 'method-1:before', 'method-2:before', 'handler', 'method-2:after', 'method-1:after', 'class:after']);
    });

    it('map the result that execute returns, and can answer without calling the handler', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Intercepted] });
      expect(await app.bus.execute('pipeline.double', { n: 21 })).toMatchObject({ ok: true, data: 42 });
      expect(await app.bus.request('pipeline.cached', {})).toEqual({ ok: true, data: 'from cache' });
      expect(app.get(Intercepted).calls).toBe(0);
    });

    it('await an interceptor that resolves its Observable, run the handler again per subscription, and take an Observable result\'s last value', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Subscribed] });
      expect(await app.bus.request('pipeline.async', {})).toEqual({ ok: true, data: 'late!' });
      expect(await app.bus.request('pipeline.retried', {})).toEqual({ ok: true, data: 2 });
      expect(await app.bus.request('pipeline.stream', {})).toEqual({ ok: true, data: 6 });
    });

    it('bus-wide interceptors from the module options wrap every handler, outermost', async () => {
      const app = await apps.start({
        transport: 'memory://',
        providers: [Intercepted, Plain],
        options: { interceptors: [new Named('bus-1'), Doubling] },
      });
      expect(await app.bus.request('pipeline.trail', {})).toMatchObject({ ok: true });
      expect(trail.slice(0, 2)).toEqual(['bus-1:before', 'class:before']);
      expect(trail.at(-1)).toBe('bus-1:after');
      expect(await app.bus.execute('pipeline.double', { n: 5 })).toMatchObject({ ok: true, data: 20 });
    });

    it('leaves app-global enhancers out, unless inheritAppEnhancers; isBusContext tells them where they are', async () => {
      const appGlobal = { provide: APP_INTERCEPTOR, useClass: HttpOnlyInterceptor };
      const isolated = await apps.start({ transport: 'memory://', providers: [Plain, appGlobal] });
      await isolated.bus.publish('plain.evt', {});
      await until(() => isolated.bus.getStats().delivered === 1);
      expect(trail).toEqual([]);
      const inheriting = await apps.start({ transport: 'memory://', providers: [Plain, appGlobal], options: { inheritAppEnhancers: true } });
      await inheriting.bus.publish('plain.evt', {});
      await until(() => trail.length === 1);
      expect(trail).toEqual(['global:bus']);
    });
  });

  it('gives an ExecutionContext of type bus with the payload, the MessageContext, class and handler', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Probed] });
    await app.bus.publish('pipeline.probe', { n: 1 });
    await until(() => seenContexts.length === 1);
    expect(seenContexts[0]).toEqual({
      type: 'bus',
      data: { n: 1 },
      topic: 'pipeline.probe',
      className: 'Probed',
      handler: 'probe',
      role: 'admin',
    });
  });

  describe('guards', () => {
    it('answer FORBIDDEN to request and execute', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Guarded] });
      expect(await app.bus.request('guarded.query', { role: 'admin' })).toEqual({ ok: true, data: 'secret' });
      expect(await app.bus.request('guarded.query', { role: 'guest' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await app.bus.execute('guarded.command', { role: 'guest' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    });

    it('dead-letter a refused command as REJECTED without retrying it', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Guarded], options: { retry: { initialDelayMs: 1 } } });
      await app.bus.send('guarded.command', { role: 'guest' });
      await until(async () => (await app.bus.deadLetters.count()) === 1);
      const [letter] = await app.bus.deadLetters.list();
      expect(letter).toMatchObject({ reason: 'REJECTED', error: { code: 'FORBIDDEN' }, envelope: { attempt: 1 } });
      expect(app.bus.getStats()).toMatchObject({ retried: 0, deadLettered: 1 });
      expect(app.get(Guarded).commands).toEqual([]);
    });

    it('skip a refused event handler (counted as filtered) while the others run', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Guarded] });
      await app.bus.publish('guarded.event', { role: 'guest' });
      // The two deliveries would otherwise run at once, their handlers interleaved in any order.
      await until(() => app.get(Guarded).events.length === 1);
      await app.bus.publish('guarded.event', { role: 'admin' });
      await until(() => app.get(Guarded).events.length === 3);
      expect(app.get(Guarded).events).toEqual(['everyone:guest', 'admin-only:admin', 'everyone:admin']);
      expect(app.bus.getStats()).toMatchObject({ filtered: 1, failed: 0, deadLettered: 0 });
      expect(await app.bus.deadLetters.count()).toBe(0);
    });
  });

  describe('pipes', () => {
    it('turn a valid payload into the DTO class', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Validated] });
      expect(await app.bus.execute('orders.create', { sku: 'A-1', quantity: 3 })).toMatchObject({ ok: true, data: 30 });
      expect(app.get(Validated).received[0]).toBeInstanceOf(CreateOrder);
    });

    it('answer VALIDATION to a requester and dead-letter an invalid command as VALIDATION, never retried', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Validated] });
      const answer = await app.bus.execute('orders.create', { sku: 7, quantity: 0 });
      expect(answer).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringMatching(/sku must be a string.*quantity must not be less than 1/) } });
      await app.bus.send('orders.create', { sku: 'B', quantity: -1 });
      await until(async () => (await app.bus.deadLetters.count()) === 2);
      const letters = await app.bus.deadLetters.list();
      expect(letters.map((letter) => [letter.reason, letter.envelope.attempt])).toEqual([
        ['VALIDATION', 1],
        ['VALIDATION', 1],
      ]);
      expect(app.bus.getStats().retried).toBe(0);
      expect(app.get(Validated).received).toEqual([]);
    });

    it('@Payload(property) and @MessageCtx() pick the arguments; @Payload(pipe) validates', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Validated] });
      expect(await app.bus.request('orders.quantity', { quantity: 4 })).toEqual({ ok: true, data: '4@orders.quantity' });
      expect(await app.bus.request('orders.check', { sku: 'x', quantity: 2 })).toEqual({ ok: true, data: 20 });
      expect(await app.bus.request('orders.check', { sku: 'x' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    });
  });

  describe('exception filters', () => {
    it('turn a handler error into a result', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Filtered] });
      expect(await app.bus.request('filtered.result', {})).toEqual({ ok: true, data: { recovered: 'boom' } });
    });

    it('turn a handler error into another error code', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Filtered] });
      expect(await app.bus.execute('filtered.code', {})).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION', message: 'filtered: bad input found late' },
      });
      expect(app.get(Filtered).attempts).toBe(1);
    });
  });

  it('calls a handler without any enhancer directly, skipping the pipeline', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Plain, Intercepted] });
    const handlers = engineOf(app.bus).registry.list();
    expect(handlers.find((handler) => handler.id === 'Plain.on')?.invoke.name).toBe('bound on');
    expect(handlers.find((handler) => handler.id === 'Intercepted.trail')?.invoke.name).not.toBe('bound trail');
  });
});
