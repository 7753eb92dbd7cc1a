export { MessageBusHealthModule } from './message-bus-health.module.js';
export { MessageBusHealthIndicator, type BusHealthDetails, type BusHealthOptions } from './message-bus.health.js';
export type { BusProbe } from '../dispatch/bus-engine.js';
