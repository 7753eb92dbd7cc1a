import type { Transport, TransportConnection, TransportContext, TransportServer } from '../contract/transport.js';
import { serverOf, showOnly } from '../shared/credentials.js';
import { NatsConnection } from './nats-connection.js';
import { resolveNatsOptions, type NatsTransportOptions, type ResolvedNatsOptions } from './nats.options.js';

/**
 * The NATS JetStream transport (`@nats-io/transport-node`, `@nats-io/jetstream`, `@nats-io/kv`):
 * one stream holding a copy of each message per bound group, a durable pull consumer per group
 * with explicit acks, retries and delays through `nak(delay)`, dead letters in a stream of
 * their own, request/reply over core NATS inboxes, and a key-value bucket of bindings that
 * publishers route by.
 *
 * ```ts
 * MessageBusModule.forRoot(new NatsTransport({ servers: 'nats://user:pass@nats:4222', stream: 'shop' }))
 * // or: MessageBusModule.forRoot('nats://user:pass@nats:4222')
 * ```
 * Constructing one does no I/O; every bus instance given it opens its own connection.
 * @publicApi
 */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  // An ES private field: inspecting or logging the transport cannot reveal a password.
  readonly #options: ResolvedNatsOptions;

  constructor(options: NatsTransportOptions | string) {
    this.#options = resolveNatsOptions(typeof options === 'string' ? { servers: options } : options);
    showOnly(this, () => ({ name: this.name, options: this.#options }));
  }

  get server(): TransportServer {
    return serverOf(this.#options.maskedServers[0]);
  }

  connect(context: TransportContext): Promise<TransportConnection> {
    return NatsConnection.open(this.#options, context);
  }
}
