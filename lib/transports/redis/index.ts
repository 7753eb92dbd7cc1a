export { RedisTransport } from './redis.transport.js';
export { RedisIdempotencyStore } from './redis-idempotency.store.js';
export type { RedisTransportOptions } from './redis.options.js';
export { RedisTransportError } from '../shared/transport.error.js';
export { TransportError } from './redis.error.js';
export { RedisSagaStore } from '../../sagas/redis-saga.store.js';
