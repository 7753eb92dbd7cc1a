import type { HandlerOptions } from '../dispatch/handler.js';
import { handlerDecorator, type HandlerTarget } from './handler-metadata.js';

/**
 * Makes the method the one handler of a command topic (a string or a `@Topic` class). It
 * receives the payload and the `MessageContext`; what it returns is the `execute` result.
 * A second handler for the same topic fails bootstrap.
 *
 * ```ts
 * @CommandHandler(SpeakCommand, { retry: { maxAttempts: 5 } })
 * speak(command: SpeakCommand, context: MessageContext) { ... }
 * ```
 * @publicApi
 */
export function CommandHandler(command: HandlerTarget, options: Omit<HandlerOptions, 'broadcast'> = {}): MethodDecorator {
  return handlerDecorator('command', [command], options);
}
