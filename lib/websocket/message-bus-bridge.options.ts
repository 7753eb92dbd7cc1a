import type { CanActivate, Type } from '@nestjs/common';
import { assertInteger } from '../primitives/assert-integer.js';
import { InvalidOptionsError } from '../messages/errors.js';
import { assertPattern } from '../routing/topic.js';
import type { EventRingLimits } from './event-ring.js';

/**
 * A Nest guard (class or instance) consulted when a client connects and on every `subscribe`
 * and `publish`, after the `allow` lists; see `BridgeGuardData` for what it is given.
 * @publicApi
 */
export type BridgeGuard = Type<CanActivate> | CanActivate;

/**
 * Options of `MessageBusBridgeModule.forRoot()` (and what `forRootAsync`'s factory returns).
 * @publicApi
 */
export interface MessageBusBridgeOptions {
  /**
   * The most any client may do. `subscribe`: patterns a client may subscribe to, or narrower
   * ones they cover (`TTS.*` allows `TTS.*` and `TTS.Started`, not `TTS.#`); the bridge binds
   * exactly these on the bus, one broadcast subscription per instance. `publish`: patterns of the
   * topics clients may publish events to. Both default to none.
   */
  allow: { subscribe?: string[]; publish?: string[] };
  /** Decides per client and per request within `allow`; default: `allow` alone decides. */
  guard?: BridgeGuard;
  /**
   * Recent events kept for clients that reconnect with the last id they saw: at most `maxEvents`
   * (default 1000) and `maxBytes` (default 8 MiB), none older than `windowMs` (default 30 s).
   * `false` keeps none.
   */
  catchUp?: { windowMs?: number; maxEvents?: number; maxBytes?: number } | false;
  /** Pings every client this often and drops those that did not answer the previous ping; default 30 s. `false`: never. */
  pingIntervalMs?: number | false;
  /** A client with more than this many bytes not yet sent is disconnected (4429); default 1 MiB. */
  maxBufferedBytes?: number;
}

/**
 * The argument of `MessageBusBridgeModule.forRoot()`: the options, the path clients connect to
 * (default `/bus-events`, on the application's HTTP server) and whether the module is global
 * (default true, so `MessageBusBridge` can be injected anywhere).
 * @publicApi
 */
export interface MessageBusBridgeModuleOptions extends MessageBusBridgeOptions {
  path?: string;
  isGlobal?: boolean;
}

/** The options with their defaults, checked. */
export interface BridgeSettings {
  subscribe: readonly string[];
  publish: readonly string[];
  guard?: BridgeGuard;
  catchUp: EventRingLimits;
  pingIntervalMs: number | false;
  maxBufferedBytes: number;
}

const DEFAULT_CATCH_UP: EventRingLimits = { windowMs: 30_000, maxEvents: 1000, maxBytes: 8 * 1024 * 1024 };

/** Applies defaults; throws `InvalidOptionsError` / `InvalidPatternError` at bootstrap. */
export function resolveBridgeOptions(options: MessageBusBridgeOptions): BridgeSettings {
  if (typeof options?.allow !== 'object' || options.allow === null) {
    throw new InvalidOptionsError('MessageBusBridgeModule needs `allow: { subscribe?, publish? }`');
  }
  const subscribe = patternsOf('allow.subscribe', options.allow.subscribe);
  const publish = patternsOf('allow.publish', options.allow.publish);
  const catchUp = options.catchUp === false ? { ...DEFAULT_CATCH_UP, maxEvents: 0 } : { ...DEFAULT_CATCH_UP, ...options.catchUp };
  assertInteger('catchUp.windowMs', catchUp.windowMs, 1);
  assertInteger('catchUp.maxEvents', catchUp.maxEvents, 0);
  assertInteger('catchUp.maxBytes', catchUp.maxBytes, 0);
  const pingIntervalMs = options.pingIntervalMs ?? 30_000;
  if (pingIntervalMs !== false) assertInteger('pingIntervalMs', pingIntervalMs, 1);
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  assertInteger('maxBufferedBytes', maxBufferedBytes, 0);
  if (options.guard !== undefined && typeof options.guard !== 'function' && typeof options.guard?.canActivate !== 'function') {
    throw new InvalidOptionsError('guard must be a CanActivate class or instance');
  }
  return { subscribe, publish, guard: options.guard, catchUp, pingIntervalMs, maxBufferedBytes };
}

/** `/path` for `path` and `/path`: how the `ws` adapter matches upgrade requests. */
export function normalizeBridgePath(path: string): string {
  if (typeof path !== 'string' || !/^\/?[A-Za-z0-9._~\-/]*$/.test(path)) {
    throw new InvalidOptionsError(`Invalid WebSocket path ${JSON.stringify(path)}`);
  }
  return path.startsWith('/') ? path : `/${path}`;
}

function patternsOf(name: string, patterns: unknown): string[] {
  if (patterns === undefined) return [];
  if (!Array.isArray(patterns)) throw new InvalidOptionsError(`${name} must be an array of patterns`);
  patterns.forEach((pattern) => assertPattern(pattern));
  return [...new Set(patterns as string[])];
}
