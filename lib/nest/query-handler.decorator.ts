import type { HandlerOptions } from '../dispatch/handler.js';
import { handlerDecorator, type HandlerTarget } from './handler-metadata.js';

/**
 * Makes the method the one handler of a query topic (a string or a `@Topic` class); what it
 * returns (or resolves) is the `request` result. Queries are not retried.
 *
 * ```ts
 * @QueryHandler(GetMessages, { timeoutMs: 2000 })
 * get(query: GetMessages): Promise<string[]> { ... }
 * ```
 * @publicApi
 */
export function QueryHandler(query: HandlerTarget, options: Omit<HandlerOptions, 'broadcast' | 'retry'> = {}): MethodDecorator {
  return handlerDecorator('query', [query], options);
}
