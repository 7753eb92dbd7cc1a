import { readFileSync } from 'node:fs';

let version: string | undefined;

/** This library's version, from its package.json (two levels up from `lib/asyncapi` and `dist/asyncapi`). */
export function libraryVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
