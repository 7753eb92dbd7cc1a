import type { ConnectionOptions } from 'node:tls';
import type { TlsOptions } from '@nats-io/transport-node';
import { assertInteger } from '../../primitives/assert-integer.js';
import { InvalidOptionsError, InvalidTransportError } from '../../messages/errors.js';
import { DEFAULT_MAX_PAYLOAD_DEPTH } from '../../messages/inbound.js';
import { CredentialScrubber, maskUrl, showOnly } from '../shared/credentials.js';
import { isNatsName } from './nats-names.js';

/**
 * TLS options of the NATS transport: the client's own (`ca`, `cert`, `key` or their `…File`
 * paths, `handshakeFirst`) and the Node ones it hands to `tls.connect`. `rejectUnauthorized`
 * stays true unless set to false.
 * @publicApi
 */
export type NatsTlsOptions = TlsOptions & Pick<ConnectionOptions, 'rejectUnauthorized' | 'servername' | 'passphrase'>;

/**
 * Options of the NATS JetStream transport. Only `servers` is required.
 * @publicApi
 */
export interface NatsTransportOptions {
  /** `nats://[user:pass@]host:4222` (or `tls://…`), one or several; passwords never appear in logs or errors. */
  servers: string | string[];
  /** The message stream; also names the dead-letter stream and the bindings bucket. Default `message-bus`. */
  stream?: string;
  /** User and password or token, when not in the URL. */
  user?: string;
  pass?: string;
  token?: string;
  /**
   * TLS options handed to the NATS client as they are (`ca`, `cert`, `key`, `certFile`…). With
   * these or a `tls://` server, TLS is required: a server that does not offer it is refused.
   */
  tls?: NatsTlsOptions;
  /** A message held longer than this unacknowledged (its consumer died) is redelivered (`AckWait`); default 30000 ms. */
  visibilityTimeoutMs?: number;
  /** Deliveries without an ack after which a message is dead-lettered (`MaxDeliver`); default 5. */
  maxDeliveries?: number;
  /** Messages one consumer holds unacknowledged (`MaxAckPending`); default 256, or twice the bus `concurrency`. */
  prefetch?: number;
  /** How long a publish waits for the JetStream ack; default 5000 ms. */
  publishTimeoutMs?: number;
  /** How long `close` waits for handed-out messages to be acked; default 5000 ms. */
  closeTimeoutMs?: number;
  /** Deepest JSON nesting a received payload may have; deeper ones are dead-lettered `UNDECODABLE`. Default 64. */
  maxPayloadDepth?: number;
}

export interface ResolvedNatsOptions {
  servers: string[];
  /** `servers` with passwords masked: the only form that goes into logs and errors. */
  maskedServers: string[];
  scrubber: CredentialScrubber;
  stream: string;
  user?: string;
  pass?: string;
  token?: string;
  /** Set whenever TLS is required (an empty object for a `tls://` server without options). */
  tls?: NatsTlsOptions;
  visibilityTimeoutMs: number;
  maxDeliveries: number;
  prefetch?: number;
  publishTimeoutMs: number;
  closeTimeoutMs: number;
  maxPayloadDepth: number;
}

const NATS_URL = /^(?:nats|tls|wss?):\/\//i;
const TLS_URL = /^tls:\/\//i;

/** Applies defaults and rejects unusable values; does no I/O. */
export function resolveNatsOptions(options: NatsTransportOptions): ResolvedNatsOptions {
  const servers = typeof options.servers === 'string' ? [options.servers] : options.servers;
  if (!Array.isArray(servers) || servers.length === 0 || servers.some((server) => typeof server !== 'string' || !NATS_URL.test(server))) {
    const shown = Array.isArray(servers) ? servers.map((server) => (typeof server === 'string' ? maskUrl(server) : server)) : servers;
    throw new InvalidTransportError(`The NATS transport needs nats:// or tls:// servers, got ${JSON.stringify(shown)}`);
  }
  // One scrubber per server would miss a password of one server quoted in another's error.
  const scrubber = new CredentialScrubber(servers[0], [...servers.slice(1).map(passwordOf), options.pass, options.token, options.tls?.key, options.tls?.passphrase]);
  const resolved: ResolvedNatsOptions = {
    servers,
    maskedServers: servers.map(maskUrl),
    scrubber,
    stream: options.stream ?? 'message-bus',
    user: options.user,
    pass: options.pass,
    token: options.token,
    // The client upgrades to TLS only when the server asks, unless it is given TLS options: a
    // tls:// server that answered in plaintext would otherwise be used in plaintext.
    tls: options.tls ?? (servers.some((server) => TLS_URL.test(server)) ? {} : undefined),
    visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000,
    maxDeliveries: options.maxDeliveries ?? 5,
    prefetch: options.prefetch,
    publishTimeoutMs: options.publishTimeoutMs ?? 5000,
    closeTimeoutMs: options.closeTimeoutMs ?? 5000,
    maxPayloadDepth: options.maxPayloadDepth ?? DEFAULT_MAX_PAYLOAD_DEPTH,
  };
  // Kept out of enumeration and out of any view, so logging or inspecting the options cannot show a credential.
  for (const name of ['servers', 'pass', 'token'] as const) Object.defineProperty(resolved, name, { enumerable: false });
  showOnly(resolved, () => ({ ...resolved, tls: resolved.tls && maskedTls(resolved.tls) }));
  if (!isNatsName(resolved.stream) || resolved.stream.length > 64) {
    throw new InvalidOptionsError(`NATS stream must be 1..64 chars without whitespace, ".", "*", ">", "/" or "\\", got "${resolved.stream}"`);
  }
  // Shorter than this, a live consumer's in-progress acks could not keep up with AckWait.
  assertInteger('NATS visibilityTimeoutMs', resolved.visibilityTimeoutMs, 100);
  assertInteger('NATS maxDeliveries', resolved.maxDeliveries, 1);
  if (resolved.prefetch !== undefined) assertInteger('NATS prefetch', resolved.prefetch, 1);
  assertInteger('NATS publishTimeoutMs', resolved.publishTimeoutMs, 1);
  assertInteger('NATS closeTimeoutMs', resolved.closeTimeoutMs, 0);
  assertInteger('NATS maxPayloadDepth', resolved.maxPayloadDepth, 1, 1000);
  return resolved;
}

function passwordOf(url: string): string | undefined {
  try {
    return new URL(url).password || undefined;
  } catch {
    return undefined;
  }
}

// TLS keys and passphrases are credentials too; only whether they are set is shown.
function maskedTls(tls: NatsTlsOptions): object {
  const masked: Record<string, unknown> = { ...tls };
  for (const name of ['key', 'keyFile', 'passphrase']) if (masked[name] !== undefined) masked[name] = '***';
  return masked;
}
