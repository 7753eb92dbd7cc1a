// An in-process TransportConnection for unit specs of dispatch: it routes nothing. The spec hands
// deliveries to the consumer of a group itself and reads what dispatch did with them (acks,
// scheduled retries, replies, dead letters), with no broker and no memory transport in between.
import type { DeadLetter, DeadLetterStore, DeliveryHandler, Envelope, GroupSubscription, Reply, Transport, TransportConnection } from 'nestjs-message-bus/transport';

export interface Scheduled {
  group: string;
  envelope: Envelope;
  delayMs: number;
}

export class RecordingConnection implements TransportConnection {
  readonly replyAddress = 'recording:replies';
  readonly subscriptions: GroupSubscription[] = [];
  readonly acked: string[] = [];
  readonly scheduled: Scheduled[] = [];
  readonly replies: { address: string; reply: Reply }[] = [];
  readonly letters: DeadLetter[] = [];
  readonly deadLetters: DeadLetterStore = {
    add: (letter) => {
      this.letters.push(letter);
    },
    list: () => Promise.resolve([...this.letters]),
    count: () => Promise.resolve(this.letters.length),
    take: () => Promise.resolve(this.letters.splice(0)),
    purge: () => Promise.resolve(this.letters.splice(0).length),
  };
  private readonly handlers = new Map<string, DeliveryHandler>();

  /** A transport whose every bus instance gets this connection. */
  transport(): Transport {
    return { name: 'recording', connect: () => Promise.resolve(this) };
  }

  /** Hands `envelope` to `group`'s consumer; resolves once dispatch acked it. */
  deliver(group: string, envelope: Envelope): Promise<void> {
    const handler = this.handlers.get(group);
    if (handler === undefined) throw new Error(`No consumer for group ${group}`);
    return new Promise((acked) => {
      void handler({
        envelope,
        group,
        ack: () => {
          this.acked.push(envelope.id);
          acked();
        },
      });
    });
  }

  publish(): number {
    return 0;
  }

  consume(subscription: GroupSubscription, handler: DeliveryHandler) {
    this.subscriptions.push(subscription);
    this.handlers.set(subscription.group, handler);
    return { bind: () => undefined, unbind: () => undefined, stop: () => Promise.resolve() };
  }

  schedule(group: string, envelope: Envelope, delayMs: number): void {
    this.scheduled.push({ group, envelope, delayMs });
  }

  reply(address: string, reply: Reply): void {
    this.replies.push({ address, reply });
  }

  ping(): Promise<number> {
    return Promise.resolve(0);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
