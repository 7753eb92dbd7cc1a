import { inspect } from 'node:util';
import type { TransportServer } from '../contract/transport.js';

// A shorter secret would mask unrelated text; the URL forms below still hide it.
const MIN_FREE_TEXT_SECRET = 4;
const USERINFO = /\/\/([^:/@\s]*):[^@/\s]*@/g;

/** The URL with its password (and any `password` query parameter) replaced by `***`. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(USERINFO, '//$1:***@');
  }
}

/** The server a broker URL names, credentials and query left out. */
export function serverOf(url: string): TransportServer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { protocol: /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? 'unknown', host: 'unknown' };
  }
  const server: TransportServer = { protocol: parsed.protocol.slice(0, -1), host: parsed.host };
  return parsed.pathname === '' || parsed.pathname === '/' ? server : { ...server, pathname: parsed.pathname };
}

/** The password of a `scheme://user:password@host` URL (or its `password` parameter), as written and decoded. */
function secretsOf(url: string): string[] {
  try {
    const parsed = new URL(url);
    const written = parsed.password || parsed.searchParams.get('password') || '';
    return written === '' ? [] : [written, decodeURIComponent(written)];
  } catch {
    return [];
  }
}

/**
 * The one credential rule of the broker transports: a broker URL is only ever shown masked,
 * any `//user:password@` in a text is masked, and every known secret (the URL's password,
 * written and decoded, and passwords given as options) is replaced by `***`. Client errors are
 * never passed on (ioredis keeps the password in `command.args`): only their scrubbed message.
 * The URL lives in an ES private field, so inspecting or serialising the scrubber shows nothing.
 */
export class CredentialScrubber {
  readonly #url: string;
  readonly #secrets: string[];
  readonly maskedUrl: string;

  constructor(url: string, extraSecrets: (string | undefined)[] = []) {
    this.#url = url;
    this.maskedUrl = maskUrl(url);
    const secrets = [...secretsOf(url), ...extraSecrets].filter(
      (secret): secret is string => typeof secret === 'string' && secret.length >= MIN_FREE_TEXT_SECRET,
    );
    // Longest first, so a secret containing another is replaced whole.
    this.#secrets = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  }

  /** `text` with the URL masked and no secret left. */
  scrub(text: string): string {
    let scrubbed = text.split(this.#url).join(this.maskedUrl).replace(USERINFO, '//$1:***@');
    for (const secret of this.#secrets) scrubbed = scrubbed.split(secret).join('***');
    return scrubbed;
  }

  /** The scrubbed message of anything thrown. */
  message(thrown: unknown): string {
    return this.scrub(thrown instanceof Error ? thrown.message : String(thrown));
  }
}

/**
 * Makes `util.inspect`, `JSON.stringify` and `String` of an object that holds credentials show
 * `view` instead (a masked copy or a summary). The hooks are not enumerable, so they survive
 * neither a spread nor `Object.assign`: apply them again to a copy.
 */
export function showOnly<T extends object>(target: T, view: () => object | string): T {
  const text = (): string => (typeof view() === 'string' ? (view() as string) : inspect(view()));
  Object.defineProperties(target, {
    [inspect.custom]: { value: view, configurable: true },
    toJSON: { value: view, configurable: true },
    toString: { value: text, configurable: true },
  });
  return target;
}
