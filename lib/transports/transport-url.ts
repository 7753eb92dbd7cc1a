import { InvalidTransportError } from '../messages/errors.js';
import { MemoryTransport } from './memory/memory.transport.js';
import { maskUrl } from './shared/credentials.js';
import type { Transport } from './contract/transport.js';

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
    case 'nats':
    case 'tls': {
      const { NatsTransport } = await import('./nats/nats.transport.js');
      return new NatsTransport({ servers: url });
    }
    default:
      throw new InvalidTransportError(
        `No transport for ${JSON.stringify(maskUrl(url))}: use memory://, redis://, rediss://, amqp://, amqps:// or nats://`,
      );
  }
}
