import { AsyncLocalStorage } from 'node:async_hooks';
import type { DeferredMessage } from '../messages/deferred-message.js';

/** The saga instance a step is running on: what `SagaBase` reads and writes through `this`. */
export interface SagaStep {
  readonly sagaId: string;
  state: unknown;
  readonly outgoing: DeferredMessage[];
  completed: boolean;
}

/** The step running now, carried across the awaits of the saga method. */
export const sagaScope = new AsyncLocalStorage<SagaStep>();
