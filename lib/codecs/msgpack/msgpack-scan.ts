import { tooDeep } from '../../messages/codec.js';

/** Extension types a payload may carry: msgpackr's `undefined` (0) and the timestamp (-1). */
const ALLOWED_EXTENSIONS: ReadonlySet<number> = new Set([0, 0xff]);

/**
 * Why a MessagePack payload must not be decoded, or undefined: nesting deeper than `maxDepth`,
 * an extension other than timestamp (msgpackr would build errors, regular expressions, sets,
 * typed arrays or cycles from the wire), the never-used byte 0xc1, or bytes cut short. One walk
 * over the bytes that builds nothing, so hostile input is refused before it is decoded.
 */
export function screenMessagePack(bytes: Uint8Array, maxDepth: number): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Values still to read at each open level; a container adds a level.
  const pending: number[] = [1];
  let at = 0;
  while (pending.length > 0) {
    if (pending[pending.length - 1] === 0) {
      pending.pop();
      continue;
    }
    pending[pending.length - 1] -= 1;
    if (at >= bytes.length) return 'MessagePack cut short';
    const token = bytes[at++];
    let skip = 0;
    let items = -1;
    let extension = -1;
    if (token <= 0x7f || token >= 0xe0 || token === 0xc0 || token === 0xc2 || token === 0xc3) skip = 0;
    else if (token <= 0x8f) items = (token - 0x80) * 2;
    else if (token <= 0x9f) items = token - 0x90;
    else if (token <= 0xbf) skip = token - 0xa0;
    else if (token === 0xc1) return 'MessagePack byte 0xc1 is never used';
    else {
      const need = (n: number): boolean => at + n <= bytes.length;
      switch (token) {
        case 0xc4: case 0xd9: if (!need(1)) return 'MessagePack cut short'; skip = bytes[at]; at += 1; break;
        case 0xc5: case 0xda: if (!need(2)) return 'MessagePack cut short'; skip = view.getUint16(at); at += 2; break;
        case 0xc6: case 0xdb: if (!need(4)) return 'MessagePack cut short'; skip = view.getUint32(at); at += 4; break;
        case 0xc7: if (!need(2)) return 'MessagePack cut short'; skip = bytes[at]; extension = bytes[at + 1]; at += 2; break;
        case 0xc8: if (!need(3)) return 'MessagePack cut short'; skip = view.getUint16(at); extension = bytes[at + 2]; at += 3; break;
        case 0xc9: if (!need(5)) return 'MessagePack cut short'; skip = view.getUint32(at); extension = bytes[at + 4]; at += 5; break;
        case 0xca: skip = 4; break;
        case 0xcb: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xce: case 0xd2: skip = 4; break;
        case 0xcf: case 0xd3: skip = 8; break;
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
          if (!need(1)) return 'MessagePack cut short';
          extension = bytes[at];
          at += 1;
          skip = 1 << (token - 0xd4);
          break;
        case 0xdc: if (!need(2)) return 'MessagePack cut short'; items = view.getUint16(at); at += 2; break;
        case 0xdd: if (!need(4)) return 'MessagePack cut short'; items = view.getUint32(at); at += 4; break;
        case 0xde: if (!need(2)) return 'MessagePack cut short'; items = view.getUint16(at) * 2; at += 2; break;
        default: if (!need(4)) return 'MessagePack cut short'; items = view.getUint32(at) * 2; at += 4; break;
      }
    }
    if (extension >= 0 && !ALLOWED_EXTENSIONS.has(extension)) return `MessagePack extension type ${extension > 127 ? extension - 256 : extension} is not accepted`;
    at += skip;
    if (items >= 0) {
      if (pending.length > maxDepth) return tooDeep(maxDepth);
      // Each value takes at least a byte: a count past the bytes left is a lie.
      if (items > bytes.length - at) return 'MessagePack cut short';
      if (items > 0) pending.push(items);
    }
  }
  if (at > bytes.length) return 'MessagePack cut short';
  return at === bytes.length ? undefined : 'bytes after the MessagePack value';
}
