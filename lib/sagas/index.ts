// nestjs-message-bus/sagas: long-running workflows whose state is kept per correlation value.
export { SagaModule } from './saga.module.js';
export type { SagaModuleOptions } from './saga-module.options.js';
export { Saga, type SagaOptions } from './saga.decorator.js';
export { Handles, StartedBy, type SagaStepOptions } from './saga-step.decorator.js';
export { SagaBase } from './saga-base.js';
export { Sagas } from './sagas.js';
export type { SagaStats } from './saga-runner.js';
export { MemorySagaStore, type SagaStore, type StoredSaga } from './saga-store.js';
export { SagaConflictError, SagaScopeError } from './saga.errors.js';
