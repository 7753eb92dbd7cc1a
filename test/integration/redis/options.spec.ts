import { describe, expect, it } from 'vitest';
import { InvalidTransportError } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { transportFromUrl } from '../../../lib/transports/transport-url.js';

describe('redis: options', () => {
  it('constructing does no I/O, so an unreachable server is only noticed on connect', () => {
    expect(new RedisTransport({ url: 'redis://:secret@203.0.113.1:1' }).name).toBe('redis');
  });

  it('rejects unusable options with InvalidTransportError, never echoing the URL', () => {
    for (const options of [{ prefetch: 0 }, { priorityBands: 101 }, { visibilityTimeoutMs: 1.5 }, { prefix: 'has space' }]) {
      expect(() => new RedisTransport(options)).toThrow(InvalidTransportError);
    }
    expect(() => new RedisTransport({ url: 'http://user:secret@redis:6379' })).toThrow(InvalidTransportError);
    expect(() => new RedisTransport({ url: 'http://user:secret@redis:6379' })).not.toThrow(/secret/);
  });

  it('redis:// and rediss:// URLs resolve to the Redis transport', async () => {
    expect((await transportFromUrl('redis://127.0.0.1:6379')).name).toBe('redis');
    expect((await transportFromUrl('rediss://user:secret@redis.example:6380/2')).name).toBe('redis');
  });
});
