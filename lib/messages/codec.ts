import { isUtf8 } from 'node:buffer';

/**
 * Turns payloads into bytes and back for broker transports. The in-memory transport hands
 * payloads over by reference and does not use it.
 * @publicApi
 */
export interface Codec {
  readonly contentType: string;
  encode(payload: unknown): Buffer;
  decode(data: Buffer): unknown;
}

const UNSAFE_KEY = /"(?:__proto__|constructor|prototype)"\s*:/;

// Dropping these keys means no later merge of a decoded payload can reach a prototype.
function withoutUnsafeKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;
}

/** JSON, UTF-8 (invalid bytes refused); keys that could reach a prototype are dropped while decoding. @publicApi */
export const jsonCodec: Codec = Object.freeze({
  contentType: 'application/json',
  encode(payload: unknown): Buffer {
    return Buffer.from(JSON.stringify(payload ?? null), 'utf8');
  },
  decode(data: Buffer): unknown {
    // Invalid bytes would turn into U+FFFD silently: such a frame is not JSON text at all.
    if (!isUtf8(data)) throw new SyntaxError('not valid UTF-8');
    const text = data.toString('utf8');
    // The reviver is slow; only pay for it when such a key is present.
    return UNSAFE_KEY.test(text) ? JSON.parse(text, withoutUnsafeKeys) : JSON.parse(text);
  },
});
