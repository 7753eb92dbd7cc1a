import { describe, expect, it } from 'vitest';
import { AmqpTransport } from '../../../lib/transports/amqp/amqp.transport.js';
import { MemoryTransport } from '../../../lib/transports/memory/memory.transport.js';
import { NatsTransport } from '../../../lib/transports/nats/nats.transport.js';
import { RedisTransport } from '../../../lib/transports/redis/redis.transport.js';
import { serverOf } from '../../../lib/transports/shared/credentials.js';

describe('serverOf: a broker URL as an AsyncAPI server', () => {
  it('keeps protocol, host, port and path, and drops user, password and query', () => {
    expect(serverOf('rediss://admin:p%40ss@cache.internal:6380/3?password=p@ss')).toEqual({
      protocol: 'rediss',
      host: 'cache.internal:6380',
      pathname: '/3',
    });
    expect(serverOf('amqp://guest:guest@rabbit')).toEqual({ protocol: 'amqp', host: 'rabbit' });
    expect(serverOf('amqp://u:p@[::1]:5672/%2Fprod')).toEqual({ protocol: 'amqp', host: '[::1]:5672', pathname: '/%2Fprod' });
  });

  it('names no host for a URL it cannot parse, rather than echo it', () => {
    expect(serverOf('redis://user:pa ss@host:port')).toEqual({ protocol: 'redis', host: 'unknown' });
  });

  it('is what each transport reports', () => {
    expect(new MemoryTransport().server).toEqual({ protocol: 'memory', host: 'in-process' });
    expect(new RedisTransport({ url: 'redis://:secret@127.0.0.1:6379/1' }).server).toEqual({ protocol: 'redis', host: '127.0.0.1:6379', pathname: '/1' });
    expect(new RedisTransport().server).toEqual({ protocol: 'redis', host: '127.0.0.1:6379' });
    expect(new AmqpTransport('amqps://u:secret@mq:5671/shop').server).toEqual({ protocol: 'amqps', host: 'mq:5671', pathname: '/shop' });
    expect(new NatsTransport('nats://u:secret@nats:4222').server).toEqual({ protocol: 'nats', host: 'nats:4222' });
  });
});
