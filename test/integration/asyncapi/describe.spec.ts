import { Injectable, Module } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsEmail, IsEnum, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CommandHandler,
  describeApplication,
  EventHandler,
  MessageBusModule,
  QueryHandler,
  Topic,
} from 'nestjs-message-bus';
import type { AsyncApiDocument } from '../../../lib/asyncapi/asyncapi-document.js';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { asyncApiProblems } from '../../support/asyncapi-parser.js';
import { AppTracker } from '../../support/bus-app.js';

enum Priority {
  Low,
  High,
}

class OrderLine {
  @IsString() sku!: string;
  @IsInt() @Min(1) quantity!: number;
}

@Topic('Orders.Place')
class PlaceOrder {
  @IsString() @MaxLength(40) @Matches(/^o-/) orderId!: string;
  @IsEmail() customer!: string;
  @ValidateNested({ each: true }) @Type(() => OrderLine) @ArrayMinSize(1) lines!: OrderLine[];
  @IsEnum(Priority) priority!: Priority;
  @IsOptional() @IsIn(['web', 'shop']) channel?: string;
}

const ORDER_PLACED_SCHEMA = { type: 'object', required: ['orderId'], properties: { orderId: { type: 'string' } } };

@Topic('Orders.Placed', { schema: ORDER_PLACED_SCHEMA })
class OrderPlaced {
  constructor(readonly orderId: string) {}
}

/** Sent by this application, handled elsewhere. */
@Topic('Billing.Invoice', { kind: 'command' })
class InvoiceOrder {
  constructor(readonly orderId: string) {}
}

@Injectable()
class OrderHandlers {
  @CommandHandler(PlaceOrder, {
    priority: 5,
    retry: { maxAttempts: 5, initialDelayMs: 10 },
    timeoutMs: 2000,
    concurrency: 4,
    circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 1000 },
    idempotent: true,
  })
  place(): void {}

  @QueryHandler('Orders.Get', { timeoutMs: 500 })
  get(): null {
    return null;
  }

  @EventHandler(OrderPlaced, { idempotent: (payload) => (payload as OrderPlaced).orderId })
  onPlaced(): void {}

  @EventHandler('Orders.*', { group: 'audit', batch: { size: 10, waitMs: 50 } })
  audit(): void {}

  @EventHandler(['Orders.#', 'Stock.*.Low'], { broadcast: true, priority: 90 })
  watch(): void {}
}

function appWith(transport: string | RedisTransport | AmqpTransport) {
  @Module({
    imports: [MessageBusModule.forRoot(transport, { serviceName: 'orders', handlerTimeoutMs: 10_000 })],
    providers: [OrderHandlers],
  })
  class OrdersApp {}
  return OrdersApp;
}

describe('bus.describe(): the AsyncAPI 3 document', () => {
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());

  it('validates with the official parser for every handler kind, pattern form and option', async () => {
    const document = await describeApplication(appWith('memory://'), { version: '2.1.0', description: 'Orders' });

    expect(await asyncApiProblems(document)).toEqual([]);
    expect(document.info).toMatchObject({ title: 'orders', version: '2.1.0', description: 'Orders', 'x-service-name': 'orders' });
    expect(document.servers).toEqual({ memory: { protocol: 'memory', host: 'in-process' } });
    const addresses = Object.values(document.channels).map((channel) => channel.address);
    expect(addresses.sort()).toEqual(['Billing.Invoice', 'Orders.#', 'Orders.*', 'Orders.Get', 'Orders.Place', 'Orders.Placed', 'Stock.*.Low']);
  });

  it('turns handler options into x- extensions of receive operations', async () => {
    const { operations } = await describeApplication(appWith('memory://'));

    expect(operations['OrderHandlers_place']).toMatchObject({
      action: 'receive',
      channel: { $ref: '#/channels/Orders_Place' },
      messages: [{ $ref: '#/channels/Orders_Place/messages/PlaceOrder' }],
      'x-message-kind': 'command',
      'x-group': 'orders',
      'x-priority': 5,
      'x-retry': { maxAttempts: 5, initialDelayMs: 10, factor: 2, maxDelayMs: 30_000, jitter: false },
      'x-timeout-ms': 2000,
      'x-concurrency': 4,
      'x-circuit-breaker': { failureThreshold: 3, resetTimeoutMs: 1000 },
      'x-idempotent': true,
    });
    expect(operations['OrderHandlers_get']).toMatchObject({ 'x-message-kind': 'query', 'x-timeout-ms': 500 });
    expect(operations['OrderHandlers_onPlaced']).toMatchObject({ 'x-message-kind': 'event', 'x-idempotent': true, 'x-timeout-ms': 10_000 });
    // A pattern's operation carries the @Topic messages of its kind that fall under it.
    expect(operations['OrderHandlers_audit']).toMatchObject({
      'x-group': 'audit',
      'x-batch': { size: 10, waitMs: 50 },
      messages: [{ $ref: '#/channels/Orders_star/messages/OrderPlaced' }],
    });
    const broadcast = operations['OrderHandlers_watch-Orders_hash'];
    expect(broadcast).toMatchObject({ 'x-broadcast': true, 'x-priority': 90, messages: [{ $ref: '#/channels/Orders_hash/messages/OrderPlaced' }] });
    expect(broadcast).not.toHaveProperty('x-group');
    expect(operations['OrderHandlers_watch-Stock_star_Low']).toMatchObject({ channel: { $ref: '#/channels/Stock_star_Low' } });
    expect(operations['OrderHandlers_audit']).not.toHaveProperty('x-idempotent');
  });

  it('sends each @Topic class on its own channel, with its kind and payload schema', async () => {
    const document = await describeApplication(appWith('memory://'));
    const sends = Object.entries(document.operations).filter(([, operation]) => operation.action === 'send');

    expect(Object.fromEntries(sends.map(([id, operation]) => [id, operation['x-message-kind']]))).toEqual({
      'send-InvoiceOrder': 'command',
      'send-OrderPlaced': 'event',
      'send-PlaceOrder': 'command',
    });
    const { messages } = document.components;
    expect(messages['OrderPlaced']?.payload).toEqual(ORDER_PLACED_SCHEMA);
    expect(messages['InvoiceOrder']?.payload).toEqual({ type: 'object' });
    expect(messages['PlaceOrder']?.payload).toEqual({
      type: 'object',
      properties: {
        orderId: { type: 'string', maxLength: 40, pattern: '^o-' },
        customer: { type: 'string', format: 'email' },
        lines: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: { sku: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
            required: ['sku', 'quantity'],
          },
        },
        priority: { type: 'number', enum: [0, 1] },
        channel: { type: 'string', enum: ['web', 'shop'] },
      },
      required: ['orderId', 'customer', 'lines', 'priority'],
    });
    // A pattern no @Topic class falls under gets a message whose payload nothing constrains.
    const stock = document.channels['Stock_star_Low'];
    expect(Object.values(stock?.messages ?? {}).map((message) => message.$ref)).toEqual(['#/components/messages/Stock_star_Low-message']);
    expect(messages['Stock_star_Low-message']?.payload).toEqual({});
  });

  it('names broker servers without their credentials, and never connects to describe them', async () => {
    // Nothing listens on port 1: describing would fail if it connected.
    const redis = await describeApplication(appWith(new RedisTransport({ url: 'redis://ops:s3cret@127.0.0.1:1/2?password=s3cret' })));
    const amqp = await describeApplication(appWith('amqps://ops:s3cret@127.0.0.1:1/shop'));

    expect(redis.servers).toEqual({ redis: { protocol: 'redis', host: '127.0.0.1:1', pathname: '/2' } });
    expect(amqp.servers).toEqual({ amqp: { protocol: 'amqps', host: '127.0.0.1:1', pathname: '/shop' } });
    for (const document of [redis, amqp]) {
      expect(JSON.stringify(document)).not.toMatch(/s3cret|ops@/);
      expect(await asyncApiProblems(document)).toEqual([]);
    }
  });

  it('describes a running bus as it describes the application, session handlers left out', async () => {
    const offline = await describeApplication(appWith('memory://'));
    const app = await apps.start({ transport: 'memory://', options: { serviceName: 'orders', handlerTimeoutMs: 10_000 }, providers: [OrderHandlers] });
    const session = app.bus.session('s-1');
    const stop = session.on('Orders.Placed', () => undefined);

    const running: AsyncApiDocument = app.bus.describe();
    stop();
    expect(running).toEqual(offline);
  });
});
