import { MessageBusError } from '../messages/errors.js';

/**
 * A saga step kept losing the race to update its instance (other instances were updating it);
 * the message is retried by the bus's retry policy, on the state as it is then.
 * @publicApi
 */
export class SagaConflictError extends MessageBusError {
  readonly code = 'SAGA_CONFLICT';

  constructor(
    readonly sagaName: string,
    readonly sagaId: string,
    readonly attempts: number,
  ) {
    super(`Saga ${sagaName} "${sagaId}" was updated concurrently ${attempts} times in a row; the message will be retried`);
  }
}

/** `this.state`, `this.publish` and the like were used outside a saga step. @publicApi */
export class SagaScopeError extends MessageBusError {
  readonly code = 'SAGA_SCOPE';
}
