export { MessageBusGatewayModule } from './message-bus-gateway.module.js';
export type {
  GatewayGuard,
  MessageBusGatewayModuleOptions,
  MessageBusGatewayOptions,
} from './message-bus-gateway.options.js';
export { MessageBusBridge } from './message-bus-bridge.js';
export type { BridgeGuardData } from './bridge-access.js';
export type {
  BridgeErrorCode,
  ClientFrame,
  ErrorFrame,
  EventFrame,
  FrameRef,
  ServerFrame,
} from './bridge-frames.js';
export { BridgeCloseCode, DEFAULT_GATEWAY_PATH } from './websocket.constants.js';
export { WebSocketAdapterError } from './websocket.errors.js';
