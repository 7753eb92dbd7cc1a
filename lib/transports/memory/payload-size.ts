// Bounds on the JSON size of the value walked so far; module state is safe because the walk
// is synchronous.
let lower = 0;
let upper = 0;

const MAX_DEPTH = 64;

/**
 * True when the JSON encoding of `value` is larger than `limit` bytes. The in-memory transport
 * does not encode payloads, so it bounds the size with one walk and only encodes when the
 * bounds straddle the limit (or the value is unusual: `toJSON`, very deep, bigint).
 */
export function exceedsJsonSize(value: unknown, limit: number): boolean {
  lower = 0;
  upper = 0;
  if (walk(value, 0, limit)) {
    if (lower > limit) return true;
    if (upper <= limit) return false;
  }
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') > limit;
}

/** Adds `value` to the bounds; false when only encoding can tell. */
function walk(value: unknown, depth: number, limit: number): boolean {
  switch (typeof value) {
    case 'string':
      // UTF-8 takes at least one byte per UTF-16 unit and an escape at most six.
      lower += value.length + 2;
      upper += value.length * 6 + 2;
      return true;
    case 'number':
      lower += 1;
      upper += 24;
      return true;
    case 'boolean':
      lower += 4;
      upper += 5;
      return true;
    case 'object':
      return value === null ? ((lower += 4), (upper += 4), true) : walkObject(value, depth, limit);
    case 'bigint':
      return false;
    default:
      upper += 4;
      return true;
  }
}

function walkObject(value: object, depth: number, limit: number): boolean {
  if (depth >= MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (ArrayBuffer.isView(value)) return false;
  // Brackets; the lower bound also takes off the comma the first member does not need.
  lower += 1;
  upper += 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      lower += 1;
      upper += 1;
      if (!walk(item, depth + 1, limit)) return false;
      if (lower > limit) return true;
    }
    return true;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    lower += key.length + 4;
    upper += key.length * 6 + 4;
    if (!walk((value as Record<string, unknown>)[key], depth + 1, limit)) return false;
    if (lower > limit) return true;
  }
  return true;
}
