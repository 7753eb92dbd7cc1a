import { Topic } from 'nestjs-message-bus';

/** A customer ordered something; starts the order saga. */
@Topic('Order.Placed')
export class OrderPlaced {
  constructor(
    readonly orderId: string,
    readonly item: string,
    readonly amount: number,
  ) {}
}

/** The saga asks the payments service to charge an order. */
@Topic('Payment.Charge')
export class ChargePayment {
  constructor(
    readonly orderId: string,
    readonly amount: number,
  ) {}
}

@Topic('Payment.Succeeded')
export class PaymentSucceeded {
  constructor(readonly orderId: string) {}
}

@Topic('Payment.Failed')
export class PaymentFailed {
  constructor(
    readonly orderId: string,
    readonly reason: string,
  ) {}
}

/** Scheduled by the saga when it starts; it arrives only if nothing else ended the saga first. */
@Topic('Payment.TimedOut')
export class PaymentTimedOut {
  constructor(readonly orderId: string) {}
}

/** The compensation: undo an order whose payment did not go through. */
@Topic('Order.Cancel')
export class CancelOrder {
  constructor(
    readonly orderId: string,
    readonly reason: string,
  ) {}
}

@Topic('Order.Confirm')
export class ConfirmOrder {
  constructor(readonly orderId: string) {}
}
