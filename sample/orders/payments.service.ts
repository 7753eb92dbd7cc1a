import { Injectable } from '@nestjs/common';
import { CommandHandler, MessageBus } from 'nestjs-message-bus';
import { ChargePayment, PaymentFailed, PaymentSucceeded } from './order.messages.js';

/** The card limit of this demo: an order above it is declined. */
export const CARD_LIMIT = 100;

/**
 * Charges orders: declines those above the card limit, and says so in an event. Idempotent: the
 * saga may send a charge again (it sends what its last step asked for until that is stored as
 * sent), always under the same message id, and a card is charged once per id.
 */
@Injectable()
export class PaymentsService {
  constructor(private readonly bus: MessageBus) {}

  @CommandHandler(ChargePayment, { idempotent: true })
  async charge(command: ChargePayment): Promise<void> {
    if (command.amount > CARD_LIMIT) await this.bus.publish(new PaymentFailed(command.orderId, `declined: above the limit of ${CARD_LIMIT}`));
    else await this.bus.publish(new PaymentSucceeded(command.orderId));
  }
}
