// The controllers the microservices specs serve, in the shapes of Nest's own microservice
// integration apps: a sum RPC behind an HTTP route, events fanned out to two listeners, a thrown
// RpcException, plus enhancers and the bus's own decorators side by side.
import {
  Body,
  Catch,
  type DynamicModule,
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  ParseIntPipe,
  Post,
  type INestApplication,
  Query,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
  type RpcExceptionFilter,
} from '@nestjs/common';
import { ClientProxy, ClientsModule, Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom, map, of, throwError, type Observable } from 'rxjs';
import { EventHandler, MessageBus, MessageBusModule, QueryHandler, type MessageContext, type Transport } from 'nestjs-message-bus';
import { MessageBusClient, MessageBusServer, type BusRpcContext } from 'nestjs-message-bus/microservices';
import { CollectingLogger } from '../../../support/bus-app.js';

export const MATH_CLIENT = 'MATH_CLIENT';

/** What the handlers saw, for the specs to assert on. */
@Injectable()
export class Seen {
  readonly events: { listener: string; topic: string; payload: unknown; attempt: number }[] = [];
  readonly attempts = new Map<string, number>();

  attempt(key: string): number {
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    return attempt;
  }
}

class DenyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToRpc().getData<{ allowed?: boolean }>().allowed === true;
  }
}

class WrapInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => ({ wrapped: value })));
  }
}

@Catch(RpcException)
class CodedFilter implements RpcExceptionFilter<RpcException> {
  catch(exception: RpcException): Observable<never> {
    return throwError(() => ({ code: 'FILTERED', reason: exception.getError() }));
  }
}

@Controller()
export class MathController {
  constructor(private readonly seen: Seen) {}

  @MessagePattern('math.sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((total, n) => total + n, 0);
  }

  @MessagePattern('math.sumAsync')
  async sumAsync(@Payload() numbers: number[]): Promise<number> {
    await Promise.resolve();
    return this.sum(numbers);
  }

  @MessagePattern('math.sumObservable')
  sumObservable(@Payload() numbers: number[]): Observable<number> {
    return of(this.sum(numbers));
  }

  @MessagePattern('math.refuse')
  refuse(): never {
    throw new RpcException({ status: 'error', message: 'sum refused', limit: 10 });
  }

  @MessagePattern('math.context')
  context(@Payload() payload: { tag: string }, @Ctx() context: BusRpcContext) {
    return {
      tag: payload.tag,
      topic: context.getTopic(),
      attempt: context.getAttempt(),
      kind: context.getEnvelope().kind,
      correlated: context.getMessageContext().correlationId === context.getEnvelope().correlationId,
    };
  }

  @MessagePattern('math.flaky')
  flaky(@Payload() payload: { key: string; failures: number }, @Ctx() context: BusRpcContext) {
    this.seen.attempt(payload.key);
    if (context.getAttempt() <= payload.failures) throw new RpcException(`attempt ${context.getAttempt()} fails`);
    return context.getAttempt();
  }

  @MessagePattern('math.slow')
  async slow(@Payload() ms: number): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'late';
  }

  @MessagePattern('math.guarded')
  @UseGuards(DenyGuard)
  guarded(): string {
    return 'let in';
  }

  @MessagePattern('math.double')
  double(@Payload(ParseIntPipe) n: number): number {
    return n * 2;
  }

  @MessagePattern('math.wrapped')
  @UseInterceptors(WrapInterceptor)
  wrapped(@Payload() value: string): string {
    return value;
  }

  @MessagePattern('math.filtered')
  @UseFilters(CodedFilter)
  filtered(): never {
    throw new RpcException('no');
  }

  @EventPattern<string>('orders.*')
  onOrder(@Payload() payload: unknown, @Ctx() context: BusRpcContext): void {
    this.seen.events.push({ listener: 'math', topic: context.getTopic(), payload, attempt: context.getAttempt() });
  }

  @EventPattern<string>('audit.#', { retry: { maxAttempts: 2, initialDelayMs: 10 } })
  onAudit(@Payload() payload: { fail?: boolean }, @Ctx() context: BusRpcContext): void {
    this.seen.events.push({ listener: 'audit', topic: context.getTopic(), payload, attempt: context.getAttempt() });
    if (payload.fail) throw new RpcException('audit refused');
  }
}

@Controller()
export class ShippingController {
  constructor(private readonly seen: Seen) {}

  @EventPattern<string>('orders.*')
  onOrder(@Payload() payload: unknown, @Ctx() context: BusRpcContext): void {
    this.seen.events.push({ listener: 'shipping', topic: context.getTopic(), payload, attempt: context.getAttempt() });
  }
}

/** The bus's own decorators in the same application. */
@Injectable()
export class BusHandlers {
  constructor(private readonly seen: Seen) {}

  @QueryHandler('bus.echo')
  echo(payload: string): string {
    return `echo ${payload}`;
  }

  @EventHandler('orders.*')
  onOrder(payload: unknown, context: MessageContext): void {
    this.seen.events.push({ listener: 'bus', topic: context.topic, payload, attempt: context.attempt });
  }
}

/** The HTTP entry of Nest's sum apps: HTTP → client → server. */
@Controller()
export class HttpController {
  constructor(@Inject(MATH_CLIENT) private readonly client: ClientProxy) {}

  @Get('sum')
  sum(@Query('numbers') numbers: string): Promise<number> {
    return lastValueFrom(this.client.send<number>('math.sum', numbers.split(',').map(Number)));
  }

  @Post()
  @HttpCode(200)
  call(@Query('command') command: string, @Body() numbers: number[]): Observable<number> {
    return this.client.send<number>(command, numbers);
  }

  /** Sends every list at once; true when each answer is its own list's sum. */
  @Post('concurrent')
  @HttpCode(200)
  async concurrent(@Body() lists: number[][]): Promise<boolean> {
    const answers = await Promise.all(lists.map((list) => lastValueFrom(this.client.send<number>('math.sum', list))));
    return answers.every((answer, index) => answer === lists[index]?.reduce((total, n) => total + n, 0));
  }
}

export interface MathApp {
  app: INestApplication;
  bus: MessageBus;
  client: ClientProxy;
  server: MessageBusServer;
  seen: Seen;
  logger: CollectingLogger;
  close(): Promise<void>;
}

/** The app's `MATH_CLIENT`: a `MessageBusClient` on the application's own bus. */
const sharedBusClient = ClientsModule.registerAsync([
  {
    name: MATH_CLIENT,
    inject: [MessageBus],
    useFactory: (bus: MessageBus) => ({ customClass: MessageBusClient, options: { bus, timeoutMs: 5000 } }),
  },
]);

/**
 * A hybrid application: HTTP plus a Nest microservice served by `MessageBusServer` on the
 * module's own bus, a `MessageBusClient` from `ClientsModule` (`clients` registers `MATH_CLIENT`
 * otherwise), and the bus's decorators.
 */
export async function startMathApp(transport: Transport, clients: DynamicModule = sharedBusClient): Promise<MathApp> {
  const logger = new CollectingLogger();
  const module = await Test.createTestingModule({
    imports: [MessageBusModule.forRoot(transport, { serviceName: 'math', retry: { maxAttempts: 3, initialDelayMs: 10 } }), clients],
    controllers: [MathController, ShippingController, HttpController],
    providers: [Seen, BusHandlers],
  })
    .setLogger(logger)
    .compile();
  const app = module.createNestApplication({ logger });
  const server = new MessageBusServer({ bus: app.get(MessageBus) });
  app.connectMicroservice({ strategy: server });
  try {
    await app.startAllMicroservices();
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return {
    app,
    bus: app.get(MessageBus),
    client: app.get<ClientProxy>(MATH_CLIENT),
    server,
    seen: app.get(Seen),
    logger,
    close: () => app.close(),
  };
}
