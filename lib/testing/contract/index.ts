// The conformance suites every transport of this repository passes, for a transport of your own:
// `busContract('mine', () => new MyTransport())` in a vitest spec (vitest and @nestjs/testing are peers).
export { busContract, type TransportFactory } from './bus.contract.js';
export { flowContract } from './flow.contract.js';
export { realtimeContract } from './realtime.contract.js';
