import type { SocketOptions } from 'amqplib';
import { assertInteger } from '../../primitives/assert-integer.js';
import { InvalidOptionsError, InvalidTransportError } from '../../messages/errors.js';
import { DEFAULT_MAX_PAYLOAD_DEPTH } from '../../messages/inbound.js';
import { CredentialScrubber, maskUrl, showOnly } from '../shared/credentials.js';

/**
 * Options of {@link AmqpTransport}. Only `url` is required.
 * @publicApi
 */
export interface AmqpTransportOptions {
  /** `amqp://user:pass@host:5672/vhost` or `amqps://…`; the password never appears in logs or errors. */
  url: string;
  /**
   * Socket and TLS options handed to amqplib as they are (`ca`, `cert`, `key`, `passphrase`,
   * `servername`, `rejectUnauthorized`, `timeout`, `keepAlive`…). `noDelay` defaults to true.
   */
  socket?: SocketOptions;
  /**
   * The topic exchange of events (routing key = topic). Commands and queries travel on the
   * sibling direct exchanges `<exchange>.command` and `<exchange>.query`. Default `message-bus`.
   */
  exchange?: string;
  /** Prefix of every queue this transport declares; default: the exchange name. */
  queuePrefix?: string;
  /**
   * Deliveries a consumer holds unacknowledged (AMQP prefetch); default 200, or twice the bus
   * `concurrency` when that is more. Keep it above `concurrency`: deliveries beyond it wait in the
   * bus's local priority queue.
   */
  prefetch?: number;
  /** Broker priority levels of each queue (`x-max-priority` = levels - 1); 1..256, default 10. */
  priorityLevels?: number;
  /** `maxAttempts` of a message that carries none (one a plain AMQP client published); default the module's `retry.maxAttempts`. */
  defaultMaxAttempts?: number;
  reconnect?: {
    /** First delay before reconnecting, doubled per failed attempt; default 100 ms. */
    initialDelayMs?: number;
    /** Cap of the reconnect delay; default 5000 ms. */
    maxDelayMs?: number;
    /** Attempts before `connect` gives up at startup; default 0 (fail at once). */
    startupRetries?: number;
  };
  /** How long a publish may take, waiting for a connection and then for the broker's confirm, before it rejects; default 30000 ms. */
  publishTimeoutMs?: number;
  /** How long `close` waits for handed-out deliveries to be acknowledged; default 5000 ms. */
  closeTimeoutMs?: number;
  /** Deepest JSON nesting a received body may have; deeper ones are dead-lettered `UNDECODABLE`. Default 64. */
  maxPayloadDepth?: number;
}

export interface ResolvedAmqpOptions {
  url: string;
  /** `url` with its password masked: the only form that goes into logs and errors. */
  maskedUrl: string;
  /** Takes the credentials of `url` and `socket` out of any text shown. */
  scrubber: CredentialScrubber;
  socket: SocketOptions;
  exchange: string;
  queuePrefix: string;
  prefetch?: number;
  priorityLevels: number;
  defaultMaxAttempts?: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number; startupRetries: number };
  publishTimeoutMs: number;
  closeTimeoutMs: number;
  maxPayloadDepth: number;
}

// AMQP 0-9-1 names: letters, digits, hyphen, underscore, period, colon; "amq." is reserved.
const AMQP_NAME = /^(?!amq\.)[A-Za-z0-9_.:-]{1,200}$/;

/** Applies defaults and rejects unusable values; does no I/O. */
export function resolveAmqpOptions(options: AmqpTransportOptions): ResolvedAmqpOptions {
  const url = options.url;
  if (typeof url !== 'string' || !/^amqps?:\/\//i.test(url)) {
    throw new InvalidTransportError(`AmqpTransport needs an amqp:// or amqps:// url, got ${JSON.stringify(typeof url === 'string' ? maskUrl(url) : url)}`);
  }
  const exchange = options.exchange ?? 'message-bus';
  const scrubber = new CredentialScrubber(url, [options.socket?.passphrase, options.socket?.credentials?.password]);
  const resolved: ResolvedAmqpOptions = {
    url,
    maskedUrl: scrubber.maskedUrl,
    scrubber,
    socket: { noDelay: true, ...options.socket },
    exchange,
    queuePrefix: options.queuePrefix ?? exchange,
    prefetch: options.prefetch,
    priorityLevels: options.priorityLevels ?? 10,
    defaultMaxAttempts: options.defaultMaxAttempts,
    reconnect: {
      initialDelayMs: options.reconnect?.initialDelayMs ?? 100,
      maxDelayMs: options.reconnect?.maxDelayMs ?? 5000,
      startupRetries: options.reconnect?.startupRetries ?? 0,
    },
    publishTimeoutMs: options.publishTimeoutMs ?? 30_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 5000,
    maxPayloadDepth: options.maxPayloadDepth ?? DEFAULT_MAX_PAYLOAD_DEPTH,
  };
  // Kept out of enumeration and out of any view, so logging or inspecting the options cannot show a credential.
  Object.defineProperty(resolved, 'url', { enumerable: false });
  showOnly(resolved, () => ({ ...resolved, socket: maskedSocket(resolved.socket) }));
  for (const [name, value] of [['exchange', resolved.exchange], ['queuePrefix', resolved.queuePrefix]] as const) {
    if (!AMQP_NAME.test(value)) {
      throw new InvalidOptionsError(`AmqpTransport ${name} must be 1..200 chars of [A-Za-z0-9_.:-] not starting with "amq.", got "${value}"`);
    }
  }
  if (resolved.prefetch !== undefined) assertInteger('AmqpTransport prefetch', resolved.prefetch, 1, 65_535);
  assertInteger('AmqpTransport priorityLevels', resolved.priorityLevels, 1, 256);
  if (resolved.defaultMaxAttempts !== undefined) assertInteger('AmqpTransport defaultMaxAttempts', resolved.defaultMaxAttempts, 1);
  assertInteger('AmqpTransport reconnect.initialDelayMs', resolved.reconnect.initialDelayMs, 0);
  assertInteger('AmqpTransport reconnect.maxDelayMs', resolved.reconnect.maxDelayMs, resolved.reconnect.initialDelayMs);
  assertInteger('AmqpTransport reconnect.startupRetries', resolved.reconnect.startupRetries, 0);
  assertInteger('AmqpTransport publishTimeoutMs', resolved.publishTimeoutMs, 1);
  assertInteger('AmqpTransport closeTimeoutMs', resolved.closeTimeoutMs, 0);
  assertInteger('AmqpTransport maxPayloadDepth', resolved.maxPayloadDepth, 1, 1000);
  return resolved;
}

// TLS keys and passphrases are credentials too; only whether they are set is shown.
function maskedSocket(socket: SocketOptions): object {
  const masked: Record<string, unknown> = { ...socket };
  for (const name of ['key', 'pfx', 'passphrase', 'credentials']) if (masked[name] !== undefined) masked[name] = '***';
  return masked;
}
