import type { BatchOptions } from '../dispatch/batch-buffer.js';
import type { HandlerOptions } from '../dispatch/handler.js';
import type { MessageContext } from '../messages/message-context.js';
import { handlerDecorator, type HandlerTarget } from './handler-metadata.js';

/**
 * What `@EventHandler` with `batch` decorates: a method taking an array of payloads (of the type
 * it declares) and, in the same order, an array of their contexts. A method written for one
 * message at a time does not compile.
 * @publicApi
 */
export type BatchHandlerDecorator = <Method extends (payloads: never[], contexts: MessageContext[]) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<Method>,
) => void;

/**
 * Subscribes the method to events: a pattern (`'TTS.*'`, `'audit.#'`), a `@Topic` class, or an
 * array of them. The second argument is the handler priority (0..99, lower runs first) or the
 * full options.
 *
 * ```ts
 * @EventHandler('TTS.*', 10)
 * onTts(event: unknown, context: MessageContext) { ... }
 *
 * @EventHandler('metrics.sample', { batch: { size: 500, waitMs: 50 } })
 * store(samples: Sample[], contexts: MessageContext[]) { ... }
 * ```
 * @publicApi
 */
export function EventHandler(events: HandlerTarget | HandlerTarget[], options: HandlerOptions & { batch: BatchOptions }): BatchHandlerDecorator;
/** Subscribes the method to events, one message at a time (see the overload above). @publicApi */
export function EventHandler(events: HandlerTarget | HandlerTarget[], priorityOrOptions?: number | HandlerOptions): MethodDecorator;
export function EventHandler(events: HandlerTarget | HandlerTarget[], priorityOrOptions: number | HandlerOptions = {}): MethodDecorator {
  const options = typeof priorityOrOptions === 'number' ? { priority: priorityOrOptions } : priorityOrOptions;
  return handlerDecorator('event', Array.isArray(events) ? events : [events], options);
}
