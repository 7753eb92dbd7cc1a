export { MessageBusServer, type MessageBusServerOptions } from './message-bus.server.js';
export { MessageBusClient, type MessageBusClientOptions } from './message-bus.client.js';
export { BusRpcContext } from './bus-rpc.context.js';
export type { MessageBusPeerOptions, MessageBusStatus, MessageBusStatusEvents } from './bus-peer.js';
export { RpcHandlerError, RpcRequestError, UnsupportedPatternError } from './microservices.errors.js';
export type { CoreBusOptions } from '../dispatch/engine-options.js';
