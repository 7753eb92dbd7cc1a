// nestjs-message-bus/msgpack: MessagePack payloads, on msgpackr (an optional peer dependency).
import { Packr, Unpackr } from 'msgpackr';
import { isUnsafeKey } from '../../messages/inbound.js';
import type { Codec } from '../../messages/codec.js';
import { screenMessagePack } from './msgpack-scan.js';

const UNSAFE_WORDS = ['__proto__', 'constructor', 'prototype'];

/**
 * MessagePack (`application/msgpack`), plain maps and arrays any MessagePack library reads: no
 * msgpackr records, `undefined` written as nil. Inbound, only the timestamp extension is
 * accepted (as a `Date`), 64-bit integers become numbers (as JSON's do), and keys that could reach
 * a prototype are dropped, as JSON does.
 *
 * ```ts
 * MessageBusModule.forRoot('redis://localhost:6379', { codec: new MessagePackCodec() });
 * ```
 * @publicApi
 */
export class MessagePackCodec implements Codec {
  readonly contentType = 'application/msgpack';
  private readonly packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, variableMapSize: true });
  private readonly unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', structuredClone: false });

  encode(payload: unknown): Buffer {
    return this.packr.pack(payload);
  }

  decode(data: Buffer): unknown {
    const value = this.unpackr.unpack(data) as unknown;
    // msgpackr renames `__proto__` to `__proto_`; the rest are dropped only when their bytes are there.
    return UNSAFE_WORDS.some((word) => data.includes(word)) ? withoutUnsafeKeys(value) : value;
  }

  screen(data: Buffer, maxDepth: number): string | undefined {
    return screenMessagePack(data, maxDepth);
  }
}

// The depth was bounded by `screen`, so the walk may recurse.
function withoutUnsafeKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withoutUnsafeKeys(value[i]);
    return value;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (isUnsafeKey(key) || key === '__proto_') delete record[key];
    else record[key] = withoutUnsafeKeys(record[key]);
  }
  return record;
}
