import type { Channel, ChannelModel } from 'amqplib';
import type { BusLogger } from '../contract/transport.js';
import type { AmqpLink, LinkListener } from './amqp-link.js';
import { AmqpTransportError } from '../shared/transport.error.js';

/** What a kept channel is for: how to open it, what to declare on it, and whom to tell. */
export interface ChannelSpec<C extends Channel> {
  /** Names the channel in logs. */
  name: string;
  open(model: ChannelModel): Promise<C>;
  /** Declares and subscribes what the channel needs; runs on every (re)open, so it must be idempotent. */
  prepare?(channel: C): Promise<void>;
  /** The channel is ready for use. */
  opened?(channel: C): void;
  /** A ready channel is gone: its connection was lost, or the broker closed it. */
  closed?(channel: C): void;
}

interface Waiter<C> {
  resolve(channel: C): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;

/**
 * Keeps one channel open for as long as it is needed: reopens it (running `prepare` again)
 * when the connection comes back, or after backoff when the broker closed only the channel.
 */
export class ChannelKeeper<C extends Channel> implements LinkListener {
  private channel?: C;
  private opening = false;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private retryDelayMs = FIRST_RETRY_MS;
  private readonly waiters = new Set<Waiter<C>>();

  constructor(
    private readonly link: AmqpLink,
    private readonly spec: ChannelSpec<C>,
    private readonly logger: BusLogger,
  ) {}

  /** The open channel, if there is one right now. */
  get current(): C | undefined {
    return this.channel;
  }

  /** Opens the first channel; rejects with the broker's answer, so a bad declaration fails the caller. */
  async start(): Promise<C> {
    const model = this.link.current;
    if (model === undefined) throw new AmqpTransportError(`No connection to RabbitMQ to open channel ${this.spec.name}`);
    const channel = await this.open(model);
    this.link.subscribe(this);
    return channel;
  }

  /** The open channel, waiting up to `timeoutMs` for it to come back. */
  ready(timeoutMs: number): Promise<C> {
    if (this.channel !== undefined) return Promise.resolve(this.channel);
    if (this.stopped) return Promise.reject(new AmqpTransportError(`RabbitMQ channel ${this.spec.name} is closed`));
    return new Promise<C>((resolve, reject) => {
      const waiter: Waiter<C> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new AmqpTransportError(`RabbitMQ channel ${this.spec.name} not available within ${timeoutMs} ms: is the broker reachable?`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  up(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryDelayMs = FIRST_RETRY_MS;
    this.ensureOpen();
  }

  down(): void {
    // The channel's own 'close' event has already reported the loss; the next `up` reopens it.
  }

  /** Closes the channel for good; idempotent. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.link.unsubscribe(this);
    clearTimeout(this.retryTimer);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new AmqpTransportError(`RabbitMQ channel ${this.spec.name} is closed`));
    }
    this.waiters.clear();
    const channel = this.channel;
    this.channel = undefined;
    if (channel !== undefined) await channel.close().catch(() => undefined);
  }

  private ensureOpen(): void {
    if (this.stopped || this.channel !== undefined || this.opening) return;
    const model = this.link.current;
    if (model === undefined) return;
    this.opening = true;
    this.open(model).then(
      () => {
        this.opening = false;
        this.retryDelayMs = FIRST_RETRY_MS;
      },
      (error: unknown) => {
        this.opening = false;
        if (this.stopped) return;
        this.logger.warn(
          `Could not reopen RabbitMQ channel ${this.spec.name}: ${this.link.describe(error)}; retrying in ${this.retryDelayMs} ms`,
        );
        this.scheduleRetry();
      },
    );
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ensureOpen();
    }, delay);
  }

  private async open(model: ChannelModel): Promise<C> {
    const channel = await this.spec.open(model);
    // Without a listener an 'error' event would crash the process; the broker's reason is worth a line.
    channel.on('error', (error: Error) => {
      this.logger.warn(`RabbitMQ closed channel ${this.spec.name}: ${this.link.describe(error)}`);
    });
    channel.once('close', () => this.lost(channel));
    try {
      await this.spec.prepare?.(channel);
      if (this.stopped) throw new AmqpTransportError(`RabbitMQ channel ${this.spec.name} is closed`);
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    this.channel = channel;
    this.spec.opened?.(channel);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(channel);
    }
    this.waiters.clear();
    return channel;
  }

  private lost(channel: C): void {
    if (channel !== this.channel) return;
    this.channel = undefined;
    this.spec.closed?.(channel);
    // Only this channel may be gone while the connection lives on; otherwise `up` comes first.
    this.scheduleRetry();
  }
}
