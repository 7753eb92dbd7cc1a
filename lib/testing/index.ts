export { recordBus, type BusRecorder, type RecordedTopic } from './record-bus.js';
export { MemoryIdempotencyStore } from '../dispatch/idempotency.js';
