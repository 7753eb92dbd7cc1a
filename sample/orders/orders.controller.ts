import { BadRequestException, Body, Controller, Get, NotFoundException, Param, Post } from '@nestjs/common';
import { OrdersService, type Order } from './orders.service.js';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** `POST /orders { item, amount }`: places an order; the order saga settles it (above 100 the payment fails and the order is cancelled). */
  @Post()
  place(@Body() body: { item?: unknown; amount?: unknown }): Promise<Order> {
    if (typeof body.item !== 'string' || typeof body.amount !== 'number' || !(body.amount > 0)) {
      throw new BadRequestException('item must be a string and amount a positive number');
    }
    return this.orders.place(body.item, body.amount);
  }

  /** `GET /orders`: every order and its status. */
  @Get()
  list(): Order[] {
    return this.orders.list();
  }

  /** `GET /orders/:id`: one order: `placed`, then `confirmed` or `cancelled` (with the reason). */
  @Get(':id')
  find(@Param('id') id: string): Order {
    const order = this.orders.find(id);
    if (!order) throw new NotFoundException(`Unknown order "${id}"`);
    return order;
  }
}
