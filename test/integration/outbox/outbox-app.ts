import { Injectable } from '@nestjs/common';
import { EventHandler, MessageBus, MessageContext, Topic, type BusOptions, type Transport } from 'nestjs-message-bus';
import { OutboxRelay, type OutboxRelayOptions, type PostgresOutbox } from 'nestjs-message-bus/postgres';
import type { AppTracker, BusApp } from '../../support/bus-app.js';

@Topic('Test.Outbox.OrderPlaced')
export class OrderPlaced {
  constructor(readonly orderId: string) {}
}

/** Every OrderPlaced this app handled: message ids and order ids, in arrival order. */
@Injectable()
export class Received {
  readonly ids: string[] = [];
  readonly orders: string[] = [];

  @EventHandler(OrderPlaced)
  placed(event: OrderPlaced, context: MessageContext): void {
    this.ids.push(context.envelope.id);
    this.orders.push(event.orderId);
  }
}

/** An app consuming OrderPlaced, and (unless `relay` is false) running a relay of `outbox`. */
export function startOutboxApp(
  apps: AppTracker,
  transport: Transport,
  outbox: PostgresOutbox,
  relay: OutboxRelayOptions | false = {},
  options?: BusOptions,
): Promise<BusApp> {
  const relayProvider = { provide: OutboxRelay, useFactory: (bus: MessageBus) => outbox.relay(bus, { pollIntervalMs: 200, ...relay }), inject: [MessageBus] };
  return apps.start({ transport, options, providers: relay === false ? [Received] : [Received, relayProvider] });
}
