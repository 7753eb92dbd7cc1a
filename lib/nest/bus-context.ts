import type { ArgumentsHost } from '@nestjs/common';
import { BUS_CONTEXT_TYPE } from '../constants.js';

/**
 * True inside a bus handler. App-global guards, interceptors and filters also wrap bus handlers;
 * those written for HTTP use this to step aside.
 *
 * ```ts
 * canActivate(context: ExecutionContext) {
 *   if (isBusContext(context)) return true;
 *   ...
 * }
 * ```
 * @publicApi
 */
export function isBusContext(host: ArgumentsHost): boolean {
  return host.getType<string>() === BUS_CONTEXT_TYPE;
}
