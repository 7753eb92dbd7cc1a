import type { Envelope, MessageContext } from '../messages/envelope.js';
import type { MessageBus } from '../message-bus.js';

/** The context handed to handlers; one per delivery, shared by the handlers of that delivery. */
export class BusMessageContext implements MessageContext {
  readonly topic: string;
  readonly attempt: number;
  readonly correlationId: string;
  readonly sessionId?: string;

  constructor(
    readonly envelope: Envelope,
    readonly bus: MessageBus,
  ) {
    this.topic = envelope.topic;
    this.attempt = envelope.attempt;
    this.correlationId = envelope.correlationId;
    this.sessionId = envelope.sessionId;
  }
}
