/** Where clients connect when `forRoot` names no `path`. @publicApi */
export const DEFAULT_BRIDGE_PATH = '/bus-events';

/** DI token of the module's options. */
export const MESSAGE_BUS_BRIDGE_OPTIONS = 'MESSAGE_BUS_BRIDGE_MODULE_OPTIONS';

/**
 * DI token under which the bridge module also provides its `MessageBusBridge`, for modules that
 * use the bridge when it is there without depending on the WebSocket packages (the admin console).
 */
export const MESSAGE_BUS_BRIDGE = 'message-bus:websocket-bridge';

/** DI token of the path the gateway listens on. */
export const BRIDGE_PATH = 'message-bus:websocket-path';

/** Logger context of the bridge. */
export const LOGGER_CONTEXT = 'MessageBusBridge';

/** Id of the bridge's broadcast event handler (as listed by the admin API). */
export const BRIDGE_HANDLER_ID = 'MessageBusBridge';

/**
 * Close codes the bridge uses. Codes 4000-4999 are the application's own (RFC 6455 §7.4.2).
 * @publicApi
 */
export const BridgeCloseCode = {
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** The client sent frames faster than they could be checked. */
  POLICY_VIOLATION: 1008,
  /** The guard refused the connection. */
  FORBIDDEN: 4403,
  /** The client did not read its frames: the send buffer went over `maxBufferedBytes`. */
  SLOW_CLIENT: 4429,
} as const;

/**
 * Largest frame a client may send, as the bus's default `maxPayloadBytes` plus room for the
 * frame around the payload; the `ws` server closes the connection (1009) beyond it.
 */
export const MAX_CLIENT_FRAME_BYTES = 1024 * 1024 + 4096;

/** Frames of one client waiting for an (asynchronous) guard before it is cut off. */
export const MAX_PENDING_FRAMES = 64;
