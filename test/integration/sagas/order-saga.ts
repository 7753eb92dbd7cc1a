import { Topic } from 'nestjs-message-bus';
import { EventHandler } from 'nestjs-message-bus';
import { Handles, Saga, SagaBase, StartedBy } from 'nestjs-message-bus/sagas';
import { Injectable } from '@nestjs/common';

@Topic('Test.Saga.OrderPlaced')
export class OrderPlaced {
  constructor(readonly orderId: string) {}
}
@Topic('Test.Saga.PaymentFailed')
export class PaymentFailed {
  constructor(readonly orderId: string) {}
}
@Topic('Test.Saga.PaymentTimedOut')
export class PaymentTimedOut {
  constructor(readonly orderId: string) {}
}
@Topic('Test.Saga.Counted')
export class Counted {
  constructor(readonly sagaId: string, readonly n: number) {}
}
@Topic('Test.Saga.OrderCancelled')
export class OrderCancelled {
  constructor(readonly orderId: string, readonly reason: string) {}
}

interface OrderState {
  orderId: string;
  status: 'awaiting-payment' | 'cancelled';
}

@Saga({ name: 'order' })
export class OrderSaga extends SagaBase<OrderState> {
  @StartedBy(OrderPlaced, { correlate: (event) => event.orderId })
  placed(event: OrderPlaced): void {
    this.state = { orderId: event.orderId, status: 'awaiting-payment' };
    this.requestTimeout(150, new PaymentTimedOut(event.orderId));
  }

  @Handles(PaymentFailed, { correlate: (event) => event.orderId })
  @Handles(PaymentTimedOut, { correlate: (event) => event.orderId })
  failed(event: PaymentFailed | PaymentTimedOut): void {
    this.publish(new OrderCancelled(this.state.orderId, event instanceof PaymentFailed ? 'payment failed' : 'payment timed out'));
    this.complete();
  }
}

/** Counts every event applied to a saga, and the ids applied, so a lost or doubled one shows. */
@Saga({ name: 'counter', retry: { maxAttempts: 50, initialDelayMs: 1, maxDelayMs: 20 } })
export class CounterSaga extends SagaBase<{ count: number; seen: number[] }> {
  @StartedBy(Counted, { correlate: (event) => event.sagaId })
  async counted(event: Counted): Promise<void> {
    const state = this.state ?? { count: 0, seen: [] };
    // A pause between read and write widens the window for a concurrent update.
    await new Promise((resolve) => setImmediate(resolve));
    this.state = { count: state.count + 1, seen: [...state.seen, event.n] };
  }
}

@Injectable()
export class Cancellations {
  readonly received: OrderCancelled[] = [];
  @EventHandler(OrderCancelled)
  cancelled(event: OrderCancelled): void {
    this.received.push(event);
  }
}
