import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessageKind, PublishOptions } from '../messages/envelope.js';

/** A message a saga step asked for; sent only once the step's new state is stored. */
export interface OutgoingMessage {
  kind: Extract<MessageKind, 'event' | 'command'>;
  topic: string;
  payload: unknown;
  options?: PublishOptions;
}

/** The saga instance a step is running on: what `SagaBase` reads and writes through `this`. */
export interface SagaStep {
  readonly sagaId: string;
  state: unknown;
  readonly outgoing: OutgoingMessage[];
  completed: boolean;
}

/** The step running now, carried across the awaits of the saga method. */
export const sagaScope = new AsyncLocalStorage<SagaStep>();
