import { Handles, Saga, SagaBase, StartedBy } from 'nestjs-message-bus/sagas';
import { CancelOrder, ChargePayment, ConfirmOrder, OrderPlaced, PaymentFailed, PaymentSucceeded, PaymentTimedOut } from './order.messages.js';

interface OrderProcess {
  orderId: string;
  amount: number;
}

const byOrder = { correlate: (event: { orderId: string }) => event.orderId };

/**
 * One instance per order: asks for the payment, then confirms the order, or compensates a
 * payment that failed or never answered by cancelling it. Its state lives in the saga store;
 * the instance is removed once the order is settled either way.
 */
@Saga({ name: 'order' })
export class OrderSaga extends SagaBase<OrderProcess> {
  @StartedBy(OrderPlaced, byOrder)
  placed(event: OrderPlaced): void {
    this.state = { orderId: event.orderId, amount: event.amount };
    this.send(new ChargePayment(event.orderId, event.amount));
    this.requestTimeout(5000, new PaymentTimedOut(event.orderId));
  }

  @Handles(PaymentSucceeded, byOrder)
  paid(): void {
    this.send(new ConfirmOrder(this.state.orderId));
    this.complete();
  }

  @Handles(PaymentFailed, byOrder)
  @Handles(PaymentTimedOut, byOrder)
  unpaid(event: PaymentFailed | PaymentTimedOut): void {
    this.send(new CancelOrder(this.state.orderId, event instanceof PaymentFailed ? event.reason : 'payment timed out'));
    this.complete();
  }
}
