export { PostgresSagaStore } from './postgres-saga.store.js';
export { PostgresOutbox, type PostgresOutboxOptions } from './postgres-outbox.js';
export { OutboxRelay, type OutboxRelayOptions, type OutboxRelayStats } from './outbox-relay.js';
export type { SqlTransaction } from './sql-transaction.js';
export { PostgresIdempotencyStore, type PostgresIdempotencyStoreOptions } from './postgres-idempotency.store.js';
