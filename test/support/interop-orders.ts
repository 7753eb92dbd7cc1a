import { Injectable } from '@nestjs/common';
import { CommandHandler, EventHandler, QueryHandler, type Envelope, type MessageContext } from 'nestjs-message-bus';

/** The handlers the interoperability specs drive with a plain broker client. */
@Injectable()
export class Orders {
  readonly events: Envelope[] = [];
  readonly commands: Envelope[] = [];
  @EventHandler('orders.*')
  onEvent(_: unknown, context: MessageContext) {
    this.events.push(context.envelope);
  }
  @CommandHandler('orders.cancel')
  onCommand(_: unknown, context: MessageContext) {
    this.commands.push(context.envelope);
  }
  @QueryHandler('orders.count')
  count(payload: { status: string }) {
    return { status: payload.status, count: 3 };
  }
}
