import { type Envelope } from '../messages/envelope.js';
import { MessageContext } from '../messages/message-context.js';
import type { BusPublisher } from '../messages/bus-publisher.js';

/** The context handed to handlers; one per delivery, shared by the handlers of that delivery. */
export class BusMessageContext extends MessageContext {
  readonly topic: string;
  readonly attempt: number;
  readonly correlationId: string;
  readonly sessionId?: string;
  private cleanups?: (() => void)[];

  constructor(
    readonly envelope: Envelope,
    readonly bus: BusPublisher,
  ) {
    super();
    this.topic = envelope.topic;
    this.attempt = envelope.attempt;
    this.correlationId = envelope.correlationId;
    this.sessionId = envelope.sessionId;
  }

  /** Runs `cleanup` once every handler of this delivery has finished (sessions bound to it close). */
  onSettled(cleanup: () => void): void {
    (this.cleanups ??= []).push(cleanup);
  }

  /** @internal Called by the dispatcher when the delivery is done. */
  settle(): void {
    if (this.cleanups === undefined) return;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
