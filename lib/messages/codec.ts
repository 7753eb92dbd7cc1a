import { isUtf8 } from 'node:buffer';

/**
 * Turns payloads into bytes and back for broker transports. The in-memory transport hands
 * payloads over by reference and does not use it. `topic` is the message's topic, for codecs
 * whose wire type depends on it (protobuf).
 * @publicApi
 */
export interface Codec {
  /** The MIME type written with every message it encodes; inbound messages are matched on it. */
  readonly contentType: string;
  encode(payload: unknown, topic: string): Buffer;
  decode(data: Buffer, topic: string): unknown;
  /**
   * Why `data` must not be decoded (nested deeper than `maxDepth`, a construct the codec
   * refuses), or undefined when it may. Asked before `decode`, so hostile input is refused
   * before it is built; the message is then dead-lettered `UNDECODABLE` with that reason.
   */
  screen?(data: Buffer, maxDepth: number, topic: string): string | undefined;
}

/**
 * The topic a codec is given for a reply to a query or `execute`: replies travel in the module
 * codec, which must therefore encode any payload.
 */
export const REPLY_TOPIC = 'bus.reply';

/** The media type of a content type, without parameters, in lower case: `application/json`. */
export function mediaType(contentType: string): string {
  const end = contentType.indexOf(';');
  return (end < 0 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
}

/** The reason `screen` gives for a payload nested deeper than `maxDepth`. */
export function tooDeep(maxDepth: number): string {
  return `payload nested deeper than maxPayloadDepth (${maxDepth})`;
}

const UNSAFE_KEY = /"(?:__proto__|constructor|prototype)"\s*:/;

// Dropping these keys means no later merge of a decoded payload can reach a prototype.
function withoutUnsafeKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * True when the JSON text nests brackets deeper than `maxDepth`, strings skipped. A scan of the
 * bytes (UTF-8 continuation bytes are never ASCII), so hostile depth is refused before
 * `JSON.parse` builds it and before re-encoding it could overflow the stack.
 */
export function jsonDepthExceeds(bytes: Uint8Array, maxDepth: number): boolean {
  if (bytes.length <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/**
 * JSON, UTF-8 (invalid bytes refused); keys that could reach a prototype are dropped while
 * decoding. The default codec; `jsonCodec` is its one instance.
 * @publicApi
 */
export class JsonCodec implements Codec {
  readonly contentType = 'application/json';

  encode(payload: unknown): Buffer {
    return Buffer.from(JSON.stringify(payload ?? null), 'utf8');
  }

  decode(data: Buffer): unknown {
    // Invalid bytes would turn into U+FFFD silently: such a frame is not JSON text at all.
    if (!isUtf8(data)) throw new SyntaxError('not valid UTF-8');
    const text = data.toString('utf8');
    // The reviver is slow; only pay for it when such a key is present.
    return UNSAFE_KEY.test(text) ? JSON.parse(text, withoutUnsafeKeys) : JSON.parse(text);
  }

  screen(data: Buffer, maxDepth: number): string | undefined {
    return jsonDepthExceeds(data, maxDepth) ? tooDeep(maxDepth) : undefined;
  }
}

/** The JSON codec. @publicApi */
export const jsonCodec: Readonly<JsonCodec> = Object.freeze(new JsonCodec());
