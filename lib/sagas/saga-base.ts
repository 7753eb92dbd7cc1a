import type { PublishOptions } from '../messages/envelope.js';
import { deferredMessage } from '../messages/deferred-message.js';
import { SagaScopeError } from './saga.errors.js';
import { sagaScope, type SagaStep } from './saga-step.js';

/**
 * What a `@Saga()` class extends. The class is an ordinary singleton provider (it can inject
 * anything); inside a `@StartedBy` or `@Handles` method, `this.state` is the state of the saga
 * instance the message correlates to, and the messages it publishes, sends or schedules leave
 * only after that state is stored.
 *
 * ```ts
 * @Saga()
 * export class OrderSaga extends SagaBase<{ orderId: string; paid: boolean }> {
 *   @StartedBy(OrderPlaced, { correlate: (event) => event.orderId })
 *   placed(event: OrderPlaced) {
 *     this.state = { orderId: event.orderId, paid: false };
 *     this.send(new ChargePayment(event.orderId, event.total));
 *     this.requestTimeout(60_000, new PaymentTimedOut(event.orderId));
 *   }
 * }
 * ```
 * @publicApi
 */
export abstract class SagaBase<S> {
  /** The instance's state: `undefined` until a step assigns it, then whatever was stored last. */
  protected get state(): S {
    return currentStep().state as S;
  }

  protected set state(value: S) {
    currentStep().state = value;
  }

  /** The correlation value of the instance (what `correlate` returned). */
  protected get sagaId(): string {
    return currentStep().sagaId;
  }

  /** Publishes an event once this step's state is stored. */
  protected publish(event: object, options?: PublishOptions): void;
  protected publish(topic: string, payload: unknown, options?: PublishOptions): void;
  protected publish(eventOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): void {
    currentStep().outgoing.push(deferredMessage('event', eventOrTopic, payloadOrOptions, options));
  }

  /** Sends a command once this step's state is stored. */
  protected send(command: object, options?: PublishOptions): void;
  protected send(topic: string, payload: unknown, options?: PublishOptions): void;
  protected send(commandOrTopic: string | object, payloadOrOptions?: unknown, options?: PublishOptions): void {
    currentStep().outgoing.push(deferredMessage('command', commandOrTopic, payloadOrOptions, options));
  }

  /**
   * Publishes `event` in `delayMs` (the transport's delayed delivery), for the saga to handle with
   * a `@Handles` step; a saga completed by then ignores it.
   */
  protected requestTimeout(delayMs: number, event: object, options?: PublishOptions): void {
    currentStep().outgoing.push(deferredMessage('event', event, { ...options, delayMs }, undefined));
  }

  /** Ends the instance: its state is removed once this step's messages are sent. */
  protected complete(): void {
    currentStep().completed = true;
  }
}

function currentStep(): SagaStep {
  const step = sagaScope.getStore();
  if (step === undefined) throw new SagaScopeError('Saga state and messages are only available inside a @StartedBy or @Handles step');
  return step;
}
