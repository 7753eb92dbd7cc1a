import type { ConfirmChannel, Message, Options } from 'amqplib';
import { Fifo } from '../../primitives/fifo.js';
import type { BusLogger } from '../contract/transport.js';
import type { AmqpLink } from './amqp-link.js';
import { AmqpTransportError } from '../shared/transport.error.js';
import { amqpCodeOf } from './amqp.error.js';
import { ChannelKeeper } from './channel-keeper.js';

/** The pseudo-queue of RabbitMQ's direct reply-to; requests carry it as `replyTo`. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';

interface Pending {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
  /** Resolves with whether the broker routed the message (false: returned as unroutable). */
  settle(routed: boolean): void;
  fail(error: Error): void;
  /** Epoch ms after which the message is given up: still waiting for a channel, or for its confirm. */
  deadline: number;
}

// amqplib settles a confirm callback with one of these two errors.
const NACKED = 'message nacked';
const SWEEP_MS = 250;

/**
 * Publishes on one confirm channel. A publish resolves once the broker confirmed it, with
 * whether it was routed (mandatory messages come back through basic.return first). Messages
 * wait while the channel is down or the socket is full, and those whose confirm was lost with
 * a channel are published again on the next one: at-least-once, never silently dropped.
 * The same channel consumes direct reply-to, which RabbitMQ requires of the requester.
 */
export class AmqpPublisher {
  private readonly keeper: ChannelKeeper<ConfirmChannel>;
  private readonly waiting = new Fifo<Pending>();
  private readonly returned = new Set<string>();
  // Why the broker closed a channel (a publish to a missing exchange, say), for its unconfirmed messages.
  private readonly refusals = new WeakMap<ConfirmChannel, Error>();
  private channel?: ConfirmChannel;
  private socketFull = false;
  private sweeper?: NodeJS.Timeout;
  private closing = false;
  private unconfirmed = 0;
  // Written and not yet confirmed: a broker that blocks the connection (a resource alarm) sends
  // no confirm, so these time out too.
  private readonly inFlight = new Set<Pending>();
  private readonly confirmWaiters: (() => void)[] = [];

  constructor(
    private readonly link: AmqpLink,
    private readonly publishTimeoutMs: number,
    private readonly onReply: (message: Message) => void,
    private readonly logger: BusLogger,
  ) {
    this.keeper = new ChannelKeeper(
      link,
      {
        name: 'publish',
        open: (model) => model.createConfirmChannel(),
        prepare: async (channel) => {
          channel.on('return', (message: Message) => this.returned.add(message.properties.messageId as string));
          channel.on('error', (error: Error) => this.refusals.set(channel, error));
          channel.on('drain', () => {
            this.socketFull = false;
            this.flush();
          });
          await channel.consume(DIRECT_REPLY_TO, (message) => message && this.onReply(message), { noAck: true });
        },
        opened: (channel) => {
          this.channel = channel;
          this.socketFull = false;
          this.flush();
        },
        closed: () => {
          this.channel = undefined;
          this.returned.clear();
        },
      },
      logger,
    );
  }

  async start(): Promise<void> {
    await this.keeper.start();
  }

  /** Publishes and resolves once confirmed: true when routed, false when returned unroutable. */
  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<boolean> {
    if (this.closing) return Promise.reject(new AmqpTransportError('The RabbitMQ transport is closing'));
    return new Promise<boolean>((settle, fail) => {
      const pending: Pending = { exchange, routingKey, content, options, settle, fail, deadline: 0 };
      if (this.channel !== undefined && !this.socketFull && this.waiting.length === 0) this.write(this.channel, pending);
      else this.wait(pending);
    });
  }

  /** Waits until every publish so far is confirmed or failed (at most `timeoutMs`), then closes. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.unconfirmed > 0 || this.waiting.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.confirmWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    clearInterval(this.sweeper);
    this.failWaiting(new AmqpTransportError('The RabbitMQ transport closed before the message was published'));
    await this.keeper.close();
  }

  private write(channel: ConfirmChannel, pending: Pending): void {
    let writable: boolean;
    if (pending.deadline === 0) pending.deadline = Date.now() + this.publishTimeoutMs;
    try {
      this.unconfirmed += 1;
      this.inFlight.add(pending);
      this.sweepSoon();
      writable = channel.publish(pending.exchange, pending.routingKey, pending.content, pending.options, (error) =>
        this.confirmed(pending, channel, error as Error | null),
      );
    } catch (error) {
      this.unconfirmed -= 1;
      this.inFlight.delete(pending);
      // A closed channel throws before taking the message; anything else (an oversized header table) is the message's fault.
      if ((error as Error).name === 'IllegalOperationError') {
        // Its 'close' event may not have come yet: stop writing to it now, or flush() would spin.
        if (this.channel === channel) this.channel = undefined;
        this.wait(pending);
      } else {
        pending.fail(new AmqpTransportError(`Could not publish to "${pending.exchange}": ${(error as Error).message}`));
      }
      this.settledOne();
      return;
    }
    if (!writable) this.socketFull = true;
  }

  private confirmed(pending: Pending, channel: ConfirmChannel, error: Error | null): void {
    // Already failed by the sweep: the message may still have arrived (a late confirm).
    if (!this.inFlight.delete(pending)) return;
    this.unconfirmed -= 1;
    const id = pending.options.messageId;
    const refusal = error === null ? undefined : this.refusals.get(channel);
    if (error === null) {
      pending.settle(id === undefined || !this.returned.delete(id));
    } else if (error.message === NACKED) {
      pending.fail(new AmqpTransportError(`RabbitMQ refused the message (basic.nack) on "${pending.exchange}"`));
    } else if (refusal !== undefined) {
      // The broker closed the channel over something published on it: sending again would only repeat that.
      pending.fail(new AmqpTransportError(`Publishing to "${pending.exchange}" failed: ${this.link.describe(refusal)}`, amqpCodeOf(refusal)));
    } else if (this.closing) {
      pending.fail(new AmqpTransportError('The RabbitMQ connection closed before the message was confirmed'));
    } else {
      // The channel died with the message unconfirmed: it may or may not have arrived, so it
      // goes again on the next channel (a possible duplicate, never a loss).
      this.wait(pending);
    }
    this.settledOne();
  }

  private wait(pending: Pending): void {
    if (pending.deadline === 0) pending.deadline = Date.now() + this.publishTimeoutMs;
    this.waiting.push(pending);
    this.sweepSoon();
  }

  private sweepSoon(): void {
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.sweeper.unref();
    }
  }

  private flush(): void {
    while (this.channel !== undefined && !this.socketFull && this.waiting.length > 0) {
      this.write(this.channel, this.waiting.shift() as Pending);
    }
    if (this.waiting.length === 0 && this.inFlight.size === 0) this.stopSweeping();
  }

  /** Fails the messages not published, or not confirmed, within `publishTimeoutMs`. */
  private sweep(): void {
    const now = Date.now();
    const kept = new Fifo<Pending>();
    let expired = 0;
    for (let pending = this.waiting.shift(); pending !== undefined; pending = this.waiting.shift()) {
      if (pending.deadline > now) {
        kept.push(pending);
        continue;
      }
      expired += 1;
      pending.fail(new AmqpTransportError(`RabbitMQ unreachable: message not published within publishTimeoutMs (${this.publishTimeoutMs} ms)`));
    }
    for (let pending = kept.shift(); pending !== undefined; pending = kept.shift()) this.waiting.push(pending);
    if (expired > 0) this.logger.warn(`${expired} message(s) not published within ${this.publishTimeoutMs} ms: RabbitMQ unreachable`);
    let unconfirmed = 0;
    for (const pending of this.inFlight) {
      if (pending.deadline > now) continue;
      this.inFlight.delete(pending);
      this.unconfirmed -= 1;
      unconfirmed += 1;
      pending.fail(new AmqpTransportError(`RabbitMQ did not confirm the message within publishTimeoutMs (${this.publishTimeoutMs} ms): blocked or unreachable; it may still arrive`));
    }
    if (unconfirmed > 0) this.logger.warn(`${unconfirmed} message(s) not confirmed within ${this.publishTimeoutMs} ms: RabbitMQ blocked or unreachable`);
    if (this.waiting.length === 0 && this.inFlight.size === 0) this.stopSweeping();
    this.settledOne();
  }

  private failWaiting(error: Error): void {
    for (let pending = this.waiting.shift(); pending !== undefined; pending = this.waiting.shift()) pending.fail(error);
    this.stopSweeping();
  }

  private stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private settledOne(): void {
    if (this.unconfirmed > 0 || this.waiting.length > 0) return;
    for (const resolve of this.confirmWaiters.splice(0)) resolve();
  }
}
