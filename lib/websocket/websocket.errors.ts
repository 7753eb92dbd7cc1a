import { MessageBusError } from '../messages/errors.js';

/**
 * The application's WebSocket adapter is not Nest's `ws` adapter, which the bridge needs for
 * its send buffers, pings and close codes. Thrown at bootstrap.
 * @publicApi
 */
export class WebSocketAdapterError extends MessageBusError {
  readonly code = 'WEBSOCKET_ADAPTER';

  constructor() {
    super(
      'MessageBusBridgeModule needs the ws adapter: app.useWebSocketAdapter(new WsAdapter(app)) ' +
        "from '@nestjs/platform-ws', before app.init() or app.listen()",
    );
  }
}
