import type { Transport, TransportConnection, TransportContext, TransportServer } from '../contract/transport.js';
import { RedisConnection } from './redis-connection.js';
import { resolveRedisOptions, type RedisTransportOptions, type ResolvedRedisOptions } from './redis.options.js';
import { CredentialScrubber, serverOf, showOnly } from '../shared/credentials.js';

/**
 * The bus on Redis Streams: durable, shared by every process and machine using the same Redis
 * and prefix, with the semantics of the in-memory transport (groups, competing consumers,
 * priorities, delayed retries, dead letters, request/response).
 *
 * ```ts
 * MessageBusModule.forRoot(new RedisTransport({ url: 'redis://:secret@redis:6379' }), { serviceName: 'speech' })
 * // or: MessageBusModule.forRoot('redis://:secret@redis:6379')
 * ```
 * Constructing one does no I/O; every bus instance given it opens its own connections.
 * @publicApi
 */
export class RedisTransport implements Transport {
  readonly name = 'redis';
  // An ES private field: inspecting or logging the transport cannot reveal the URL's password.
  readonly #options: ResolvedRedisOptions;

  constructor(options: RedisTransportOptions = {}) {
    this.#options = resolveRedisOptions(options);
    showOnly(this, () => ({ name: this.name, options: this.#options }));
  }

  get server(): TransportServer {
    return serverOf(this.#options.url);
  }

  connect(context: TransportContext): Promise<TransportConnection> {
    const scrubber = new CredentialScrubber(this.#options.url, [this.#options.redisOptions?.password]);
    return RedisConnection.open(this.#options, context, scrubber);
  }
}
