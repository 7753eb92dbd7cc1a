import { InvalidTransportError } from '../messages/errors.js';
import { MemoryTransport } from './memory/memory.transport.js';
import type { Transport, TransportServer } from './transport.interface.js';

/** The URL with its password (and any `password` query parameter) replaced by `***`. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/** The server a broker URL names, credentials and query left out. */
export function serverOf(url: string): TransportServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { protocol: /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? 'unknown', host: 'unknown' };
  }
  const server: TransportServer = { protocol: parsed.protocol.slice(0, -1), host: parsed.host };
  return parsed.pathname === '' || parsed.pathname === '/' ? server : { ...server, pathname: parsed.pathname };
}

/**
 * The transport a URL names; the scheme picks it. Broker transports are imported only when
 * named, so their client libraries stay optional.
 */
export async function transportFromUrl(url: string): Promise<Transport> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'memory':
      return new MemoryTransport();
    case 'redis':
    case 'rediss': {
      const { RedisTransport } = await import('./redis/redis.transport.js');
      return new RedisTransport({ url });
    }
    case 'amqp':
    case 'amqps': {
      const { AmqpTransport } = await import('./amqp/amqp.transport.js');
      return new AmqpTransport({ url });
    }
    default:
      throw new InvalidTransportError(
        `No transport for ${JSON.stringify(maskUrl(url))}: use memory://, redis://, rediss://, amqp:// or amqps://`,
      );
  }
}
