import type { HandlerOptions } from '../dispatch/handler.js';
import { handlerDecorator, type HandlerTarget } from './handler-metadata.js';

/**
 * Subscribes the method to events: a pattern (`'TTS.*'`, `'audit.#'`), a `@Topic` class, or an
 * array of them. The second argument is the handler priority (0..99, lower runs first) or the
 * full options.
 *
 * ```ts
 * @EventHandler('TTS.*', 10)
 * onTts(event: unknown, context: MessageContext) { ... }
 * ```
 * @publicApi
 */
export function EventHandler(
  events: HandlerTarget | HandlerTarget[],
  priorityOrOptions: number | HandlerOptions = {},
): MethodDecorator {
  const options = typeof priorityOrOptions === 'number' ? { priority: priorityOrOptions } : priorityOrOptions;
  return handlerDecorator('event', Array.isArray(events) ? events : [events], options);
}
