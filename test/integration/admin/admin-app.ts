import type { AddressInfo } from 'node:net';
import { Injectable, type CanActivate, type DynamicModule, type ExecutionContext, type INestApplication, type Type } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { CommandHandler, EventHandler, MessageBus, MessageBusModule, UnrecoverableError, type Transport } from 'nestjs-message-bus';
import { MessageBusAdminModule } from 'nestjs-message-bus/admin';
import request from 'supertest';
import { CollectingLogger } from '../../support/bus-app.js';

export const ADMIN_TOKEN = 'let-me-in';

/** Lets through requests that carry the operators' token. */
@Injectable()
export class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-admin-token'] === ADMIN_TOKEN;
  }
}

/** Orders that fail while `accepting` is false: what the dead letters are made of. */
@Injectable()
export class Orders {
  accepting = false;
  readonly created: string[] = [];

  @CommandHandler('Orders.Create', { priority: 20 })
  create(order: { sku: string }): void {
    if (!this.accepting) throw new UnrecoverableError(`Out of ${order.sku}`);
    this.created.push(order.sku);
  }

  @EventHandler('Orders.*', { broadcast: true, priority: 5 })
  audit(): void {}
}

export interface AdminApp {
  app: INestApplication;
  bus: MessageBus;
  orders: Orders;
  logger: CollectingLogger;
  /** supertest with the operators' token. */
  http: ReturnType<typeof request.agent>;
  /** supertest without it. */
  anonymous: ReturnType<typeof request>;
  /** Dead-letters an order for `sku` (its handler refuses it) and resolves its command id. */
  failOrder(sku: string): Promise<string>;
  close(): Promise<void>;
}

/** The bus (on `transport`, memory by default), an `Orders` handler and the admin module (or `admin`); listening on a free port when `listen`. */
export async function startAdminApp(
  setup: { transport?: Transport | string; admin?: DynamicModule; imports?: (Type<unknown> | DynamicModule)[]; listen?: boolean; prefix?: string } = {},
): Promise<AdminApp> {
  const logger = new CollectingLogger();
  const module = await Test.createTestingModule({
    imports: [
      MessageBusModule.forRoot(setup.transport ?? 'memory://', { serviceName: 'shop' }),
      setup.admin ?? MessageBusAdminModule.forRoot({ guard: TokenGuard }),
      ...(setup.imports ?? []),
    ],
    providers: [Orders],
  })
    .setLogger(logger)
    .compile();
  const app = module.createNestApplication({ logger });
  app.useWebSocketAdapter(new WsAdapter(app));
  if (setup.prefix) app.setGlobalPrefix(setup.prefix);
  if (setup.listen) await app.listen(0, '127.0.0.1');
  else await app.init();
  const bus = app.get(MessageBus);
  return {
    app,
    bus,
    orders: app.get(Orders),
    logger,
    http: request.agent(app.getHttpServer()).set('x-admin-token', ADMIN_TOKEN),
    anonymous: request(app.getHttpServer()),
    async failOrder(sku) {
      const result = await bus.execute('Orders.Create', { sku });
      if (result.ok) throw new Error(`Orders.Create ${sku} did not fail`);
      return result.commandId;
    },
    close: () => app.close(),
  };
}

export function portOf(app: INestApplication): number {
  return (app.getHttpServer().address() as AddressInfo).port;
}
