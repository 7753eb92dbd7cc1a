import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessageContext } from '../messages/message-context.js';

/**
 * The message whose handler is running, carried across awaits, so that a message published from
 * inside a handler inherits its correlation and session without the handler passing them along.
 */
export const messageScope = new AsyncLocalStorage<MessageContext>();
