import { BaseRpcContext } from '@nestjs/microservices';
import type { Envelope } from '../messages/envelope.js';
import type { MessageContext } from '../messages/message-context.js';

/**
 * What `@Ctx()` gives a `@MessagePattern` or `@EventPattern` handler served by
 * {@link MessageBusServer}: the bus's message context, with Nest's `getArgs()` shape.
 *
 * ```ts
 * @EventPattern('orders.*')
 * onOrder(@Payload() order: Order, @Ctx() context: BusRpcContext) {
 *   this.log(context.getTopic(), context.getAttempt());
 * }
 * ```
 * @publicApi
 */
export class BusRpcContext extends BaseRpcContext<[MessageContext]> {
  constructor(context: MessageContext) {
    super([context]);
  }

  /** The bus's context of this delivery (envelope, attempt, correlation, `bus`). */
  getMessageContext(): MessageContext {
    return this.args[0];
  }

  /** The whole envelope: id, headers, correlation and causation ids, priority, deadline. */
  getEnvelope(): Envelope {
    return this.args[0].envelope;
  }

  /** The topic the message was published on (the matched one, for a wildcard pattern). */
  getTopic(): string {
    return this.args[0].topic;
  }

  /** 1 for the first delivery, then one more per retry. */
  getAttempt(): number {
    return this.args[0].attempt;
  }
}
