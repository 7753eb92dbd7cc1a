import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CommandHandler, MessageBus } from 'nestjs-message-bus';
import { CancelOrder, ConfirmOrder, OrderPlaced } from './order.messages.js';

export interface Order {
  id: string;
  item: string;
  amount: number;
  status: 'placed' | 'confirmed' | 'cancelled';
  reason?: string;
}

/** The orders, kept in memory; changed only by the commands the order saga sends. */
@Injectable()
export class OrdersService {
  private readonly orders = new Map<string, Order>();

  constructor(private readonly bus: MessageBus) {}

  async place(item: string, amount: number): Promise<Order> {
    const order: Order = { id: randomUUID(), item, amount, status: 'placed' };
    this.orders.set(order.id, order);
    await this.bus.publish(new OrderPlaced(order.id, item, amount));
    return { ...order };
  }

  list(): Order[] {
    return [...this.orders.values()].map((order) => ({ ...order }));
  }

  find(id: string): Order | undefined {
    const order = this.orders.get(id);
    return order && { ...order };
  }

  @CommandHandler(ConfirmOrder)
  confirm(command: ConfirmOrder): void {
    this.settle(command.orderId, 'confirmed');
  }

  @CommandHandler(CancelOrder)
  cancel(command: CancelOrder): void {
    this.settle(command.orderId, 'cancelled', command.reason);
  }

  private settle(id: string, status: Order['status'], reason?: string): void {
    const order = this.orders.get(id);
    // Redelivered or late: an order is settled once.
    if (order === undefined || order.status !== 'placed') return;
    order.status = status;
    if (reason !== undefined) order.reason = reason;
  }
}
