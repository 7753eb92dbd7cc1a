import { connect, type ChannelModel, type RecoveringChannelModel } from 'amqplib';
import type { BusLogger } from '../contract/transport.js';
import type { ResolvedAmqpOptions } from './amqp.options.js';
import { AmqpTransportError } from '../shared/transport.error.js';

/** Told when the link gains a connection (first or after a reconnect) and when it loses it. */
export interface LinkListener {
  up(model: ChannelModel): void;
  down(): void;
}

/**
 * One AMQP connection that comes back by itself. amqplib's own recovery redials with backoff
 * and jitter; channels do not survive a connection, so each {@link ChannelKeeper} listens here
 * and reopens its channel (re-declaring what it needs) on every `up`.
 */
export class AmqpLink {
  private model?: ChannelModel;
  private readonly listeners = new Set<LinkListener>();
  private connectedOnce = false;
  private closing?: Promise<void>;

  private constructor(
    private readonly recovering: RecoveringChannelModel,
    private readonly options: ResolvedAmqpOptions,
    private readonly logger: BusLogger,
  ) {
    recovering.on('connect', (model: ChannelModel) => this.connected(model));
    recovering.on('disconnect', (error: Error) => this.disconnected(error));
    recovering.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number; delay: number }) => {
      if (this.connectedOnce) this.logger.debug?.(`RabbitMQ reconnect attempt ${attempt} in ${delay} ms`);
    });
    recovering.on('reconnect-failed', (error: Error) => {
      if (this.connectedOnce) this.logger.error(`RabbitMQ at ${options.maskedUrl}: gave up reconnecting: ${this.describe(error)}`);
    });
    // Connection errors precede a 'disconnect', which reports them; without a listener they would crash.
    recovering.on('error', (error: Error) => this.logger.debug?.(`RabbitMQ connection error: ${this.describe(error)}`));
    recovering.on('blocked', (reason: string) => this.logger.warn(`RabbitMQ blocked publishing on this connection: ${reason}`));
    recovering.on('unblocked', () => this.logger.log('RabbitMQ unblocked publishing on this connection'));
  }

  /** Connects, retrying `reconnect.startupRetries` times; rejects with a masked `AmqpTransportError`. */
  static async open(options: ResolvedAmqpOptions, connectionName: string, logger: BusLogger): Promise<AmqpLink> {
    const { reconnect } = options;
    let recovering: RecoveringChannelModel;
    try {
      recovering = await connect(options.url, {
        ...options.socket,
        clientProperties: { connection_name: connectionName, ...options.socket.clientProperties },
        recovery: {
          initialDelay: reconnect.initialDelayMs,
          maxDelay: reconnect.maxDelayMs,
          initialMaxRetries: reconnect.startupRetries,
          // Listeners must be attached before the first attempt reports anything.
          waitForConnect: false,
        },
      });
    } catch (error) {
      throw new AmqpTransportError(`Could not connect to RabbitMQ at ${options.maskedUrl}: ${options.scrubber.message(error)}`);
    }
    const link = new AmqpLink(recovering, options, logger);
    try {
      await recovering.waitForConnect();
    } catch (error) {
      await recovering.close().catch(() => undefined);
      throw new AmqpTransportError(`Could not connect to RabbitMQ at ${options.maskedUrl}: ${link.describe(error)}`);
    }
    return link;
  }

  /** The live connection, if there is one right now. */
  get current(): ChannelModel | undefined {
    return this.model;
  }

  /** Registers a listener for every later `up` and `down`. */
  subscribe(listener: LinkListener): void {
    this.listeners.add(listener);
  }

  unsubscribe(listener: LinkListener): void {
    this.listeners.delete(listener);
  }

  describe(error: unknown): string {
    return this.options.scrubber.message(error);
  }

  /** Closes the connection (and with it every channel); idempotent. */
  close(): Promise<void> {
    this.closing ??= this.recovering.close().catch((error: unknown) => {
      this.logger.warn(`Closing the RabbitMQ connection failed: ${this.describe(error)}`);
    });
    return this.closing;
  }

  private connected(model: ChannelModel): void {
    this.model = model;
    if (this.connectedOnce) this.logger.log(`Reconnected to RabbitMQ at ${this.options.maskedUrl}`);
    this.connectedOnce = true;
    for (const listener of this.listeners) listener.up(model);
  }

  private disconnected(error: Error): void {
    this.model = undefined;
    if (this.closing) return;
    this.logger.warn(`Lost the connection to RabbitMQ at ${this.options.maskedUrl} (${this.describe(error)}); reconnecting`);
    for (const listener of this.listeners) listener.down();
  }
}
