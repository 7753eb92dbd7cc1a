export { MessageBusBridgeModule } from './message-bus-bridge.module.js';
export type {
  BridgeGuard,
  MessageBusBridgeModuleOptions,
  MessageBusBridgeOptions,
} from './message-bus-bridge.options.js';
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
export { BridgeCloseCode, DEFAULT_BRIDGE_PATH } from './websocket.constants.js';
export { WebSocketAdapterError } from './websocket.errors.js';
