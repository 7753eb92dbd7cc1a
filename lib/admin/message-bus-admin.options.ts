import type { CanActivate, Type } from '@nestjs/common';
import type { DescribeOptions } from '../asyncapi/asyncapi-document.js';
import { assertInteger } from '../primitives/assert-integer.js';
import { InvalidOptionsError } from '../messages/errors.js';
import { AdminGuardRequiredError } from './admin.errors.js';

/**
 * A Nest guard (class or instance) in front of every admin route, the console page included;
 * it sees an ordinary HTTP `ExecutionContext`.
 * @publicApi
 */
export type AdminGuard = Type<CanActivate> | CanActivate;

/**
 * Options of `MessageBusAdminModule` that may come from `forRootAsync`'s factory.
 * @publicApi
 */
export interface MessageBusAdminOptions {
  /** How often stats are pushed to console clients through the WebSocket bridge; default 1000 ms. */
  statsIntervalMs?: number;
  /** Title, version and description of the document `GET <path>/asyncapi.json` and `.yaml` serve. */
  asyncApi?: DescribeOptions;
}

/**
 * The argument of `MessageBusAdminModule.forRoot()`: the options, the guard (required) and the
 * path of the routes (default `bus-admin`).
 * @publicApi
 */
export interface MessageBusAdminModuleOptions extends MessageBusAdminOptions {
  guard: AdminGuard;
  path?: string;
}

export function statsIntervalOf(options: MessageBusAdminOptions): number {
  const intervalMs = options.statsIntervalMs ?? 1000;
  assertInteger('statsIntervalMs', intervalMs, 10);
  return intervalMs;
}

/** Throws `AdminGuardRequiredError` unless `guard` is a guard class or instance. */
export function assertGuard(guard: unknown): asserts guard is AdminGuard {
  const isGuard = typeof guard === 'function' || typeof (guard as CanActivate | undefined)?.canActivate === 'function';
  if (!isGuard) throw new AdminGuardRequiredError();
}

/** `bus-admin` for `bus-admin`, `/bus-admin` and `/bus-admin/`. */
export function normalizeAdminPath(path: string): string {
  const trimmed = typeof path === 'string' ? path.replace(/^\/+|\/+$/g, '') : '';
  if (!/^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/.test(trimmed)) {
    throw new InvalidOptionsError(`Invalid admin path ${JSON.stringify(path)}`);
  }
  return trimmed;
}
