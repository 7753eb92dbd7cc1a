import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, InvalidTransportError } from 'nestjs-message-bus';
import { resolveNatsOptions } from '../../../../lib/transports/nats/nats.options.js';

describe('NATS transport options', () => {
  it('applies the documented defaults', () => {
    expect(resolveNatsOptions({ servers: 'nats://127.0.0.1:4222' })).toMatchObject({
      stream: 'message-bus',
      visibilityTimeoutMs: 30_000,
      maxDeliveries: 5,
      publishTimeoutMs: 5000,
      closeTimeoutMs: 5000,
      maxPayloadDepth: 64,
    });
  });

  it('never shows a password, token or TLS key, in the view or through the scrubber', () => {
    const resolved = resolveNatsOptions({
      servers: ['nats://bus:s3cret-one@a:4222', 'nats://bus:s3cret-two@b:4222'],
      token: 'tok-123456',
      tls: { key: 'PRIVATE-KEY-PEM', ca: 'CA-PEM', passphrase: 'key-passphrase' },
    });
    const shown = `${inspect(resolved)} ${JSON.stringify(resolved)} ${String(resolved)}`;
    for (const secret of ['s3cret-one', 's3cret-two', 'tok-123456', 'PRIVATE-KEY-PEM', 'key-passphrase']) expect(shown).not.toContain(secret);
    expect(shown).toContain('CA-PEM');
    expect(resolved.maskedServers).toEqual(['nats://bus:***@a:4222', 'nats://bus:***@b:4222']);
    expect(resolved.scrubber.scrub('auth failed for s3cret-two and tok-123456')).toBe('auth failed for *** and ***');
    // What the client needs is still there, just not enumerable.
    expect(resolved.servers).toHaveLength(2);
    expect(resolved.tls).toEqual({ key: 'PRIVATE-KEY-PEM', ca: 'CA-PEM', passphrase: 'key-passphrase' });
  });

  it('requires TLS for a tls:// server even without TLS options, and only then', () => {
    expect(resolveNatsOptions({ servers: 'tls://nats.example:4222' }).tls).toEqual({});
    expect(resolveNatsOptions({ servers: ['nats://a:4222', 'TLS://b:4222'] }).tls).toEqual({});
    expect(resolveNatsOptions({ servers: 'nats://nats.example:4222' }).tls).toBeUndefined();
  });

  it('rejects a non-NATS URL with its password masked', () => {
    expect(() => resolveNatsOptions({ servers: 'redis://u:hidden-pw@h:6379' })).toThrow(InvalidTransportError);
    expect(() => resolveNatsOptions({ servers: 'redis://u:hidden-pw@h:6379' })).toThrow(/u:\*\*\*@h/);
    expect(() => resolveNatsOptions({ servers: [] })).toThrow(InvalidTransportError);
  });

  it('rejects stream names NATS refuses and out-of-range numbers', () => {
    expect(() => resolveNatsOptions({ servers: 'nats://h:4222', stream: 'a.b' })).toThrow(InvalidOptionsError);
    expect(() => resolveNatsOptions({ servers: 'nats://h:4222', stream: 'a b' })).toThrow(InvalidOptionsError);
    expect(() => resolveNatsOptions({ servers: 'nats://h:4222', maxDeliveries: 0 })).toThrow(InvalidOptionsError);
    expect(() => resolveNatsOptions({ servers: 'nats://h:4222', visibilityTimeoutMs: 10 })).toThrow(InvalidOptionsError);
  });
});
