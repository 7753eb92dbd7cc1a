import { describe, expect, it } from 'vitest';
import { jsonCodec } from '../../../lib/messages/codec.js';
import { toError } from '../../../lib/messages/errors.js';
import { newMessageId } from '../../../lib/messages/message-id.js';

describe('jsonCodec', () => {
  it('round-trips JSON payloads', () => {
    const payload = { text: 'héllo', n: 1.5, list: [1, 'two', null], nested: { ok: true } };
    expect(jsonCodec.decode(jsonCodec.encode(payload))).toEqual(payload);
    expect(jsonCodec.decode(jsonCodec.encode(undefined))).toBeNull();
  });

  it('drops keys that could reach a prototype', () => {
    const decoded = jsonCodec.decode(
      Buffer.from('{"a":1,"__proto__":{"polluted":true},"nested":{"constructor":{"prototype":{"polluted":true}}}}'),
    ) as Record<string, unknown>;
    expect(decoded).toEqual({ a: 1, nested: {} });
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.assign({}, decoded, decoded.nested)).not.toHaveProperty('polluted');
  });
});

describe('toError', () => {
  it('keeps Errors and wraps anything else', () => {
    const error = new TypeError('x');
    expect(toError(error)).toBe(error);
    expect(toError('boom').message).toBe('Non-error thrown: boom');
    expect(toError({ code: 7 }).message).toBe('Non-error thrown: {"code":7}');
    expect(toError(undefined).message).toBe('Non-error thrown: undefined');
    expect(toError(null).cause).toBeNull();
  });
});

describe('newMessageId', () => {
  it('is unique', () => {
    const ids = new Set(Array.from({ length: 100_000 }, newMessageId));
    expect(ids.size).toBe(100_000);
  });
});
