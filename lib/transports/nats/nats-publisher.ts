import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { JetStreamPublishError } from './nats.error.js';

interface Pending {
  resolve(): void;
  reject(error: Error): void;
  deadline: number;
}

/**
 * Publishes to JetStream and resolves on its ack, as `js.publish` does, with one reply
 * subscription and one timer for all publishes in flight instead of a request (an inbox entry, a
 * timer and two stack-capturing errors) per message: at a thousand messages in flight that
 * bookkeeping cost more than the rest of the publish. Each message carries the reply subject
 * `<inbox>.<token>`; the ack (or the error JetStream answers, or the server's no-responders
 * status) settles the publish of that token. Acks all take the same timeout, so the publishes in
 * flight expire in the order they were made.
 */
export class JetStreamPublisher {
  private readonly inbox = createInbox();
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private next = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (error, message) => {
        if (error === null) this.settle(message);
      },
    });
  }

  /** Resolves once JetStream acknowledged storing the message (a duplicate of a stored `Nats-Msg-Id` included). */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs): Promise<void> {
    if (this.closed) return Promise.reject(new JetStreamPublishError('The JetStream publisher is closed'));
    const token = (this.next++).toString(36);
    return new Promise<void>((resolve, reject) => {
      this.nc.publish(subject, data, { headers, reply: `${this.inbox}.${token}` });
      this.pending.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.timer ??= setTimeout(this.expire, this.timeoutMs);
    });
  }

  /** Rejects every publish still waiting for its ack; later ones reject at once. */
  close(): void {
    this.closed = true;
    this.subscription.unsubscribe();
    clearTimeout(this.timer);
    this.timer = undefined;
    const error = new JetStreamPublishError('The connection closed before JetStream acknowledged the message');
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  private settle(message: Msg): void {
    const token = message.subject.slice(this.inbox.length + 1);
    const pending = this.pending.get(token);
    if (pending === undefined) return;
    this.pending.delete(token);
    const problem = ackProblem(message);
    if (problem === undefined) pending.resolve();
    else pending.reject(new JetStreamPublishError(problem));
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    let error: JetStreamPublishError | undefined;
    for (const [token, pending] of this.pending) {
      if (pending.deadline > now) {
        this.timer = setTimeout(this.expire, pending.deadline - now);
        return;
      }
      this.pending.delete(token);
      error ??= new JetStreamPublishError(`No JetStream ack within ${this.timeoutMs} ms`);
      pending.reject(error);
    }
  };
}

/** What is wrong with a JetStream publish reply, or undefined for an ack. */
function ackProblem(message: Msg): string | undefined {
  // A status without a body: 503 when no stream captures the subject.
  if (message.data.length === 0) {
    const code = message.headers?.code ?? 0;
    return code === 503 ? 'No JetStream stream captures the subject (no responders)' : `JetStream answered status ${code || 'without a body'}`;
  }
  let ack: { stream?: unknown; error?: { code?: number; err_code?: number; description?: string } };
  try {
    ack = message.json();
  } catch {
    return 'JetStream answered with an unreadable ack';
  }
  if (ack.error !== undefined) return `JetStream refused the message: ${ack.error.description ?? 'no description'} (${ack.error.err_code ?? ack.error.code ?? 'no code'})`;
  return typeof ack.stream === 'string' && ack.stream.length > 0 ? undefined : 'JetStream answered with an invalid ack';
}
