export { PostgresSagaStore } from './postgres-saga.store.js';
