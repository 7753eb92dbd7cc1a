import type { Transport, TransportConnection, TransportContext, TransportServer } from '../contract/transport.js';
import { serverOf, showOnly } from '../shared/credentials.js';
import { AmqpConnection } from './amqp-connection.js';
import { resolveAmqpOptions, type AmqpTransportOptions, type ResolvedAmqpOptions } from './amqp.options.js';

/**
 * The RabbitMQ transport (amqplib): a topic exchange for events and direct exchanges for
 * commands and queries, a durable queue per consumer group, publisher confirms, retries through
 * delay queues, dead letters in a queue per group, request/reply over direct reply-to. It
 * reconnects by itself and resumes consuming.
 *
 * ```ts
 * MessageBusModule.forRoot(new AmqpTransport({ url: 'amqp://user:pass@rabbit:5672', exchange: 'shop' }))
 * ```
 * Each application that connects is one bus instance with its own AMQP connection; give two
 * applications the same options (exchange, prefix) and they are two processes of one deployment.
 * @publicApi
 */
export class AmqpTransport implements Transport {
  readonly name = 'amqp';
  // An ES private field: inspecting or logging the transport cannot reveal the URL's password.
  readonly #options: ResolvedAmqpOptions;

  /** Validates the options; does no I/O. */
  constructor(options: AmqpTransportOptions | string) {
    this.#options = resolveAmqpOptions(typeof options === 'string' ? { url: options } : options);
    showOnly(this, () => ({ name: this.name, options: this.#options }));
  }

  get server(): TransportServer {
    return serverOf(this.#options.url);
  }

  connect(context: TransportContext): Promise<TransportConnection> {
    return AmqpConnection.open(this.#options, context);
  }
}
