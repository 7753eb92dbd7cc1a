import type { IncomingMessage } from 'node:http';
import { Inject, type Type } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { MessageBusBridge } from './message-bus-bridge.js';
import { MAX_CLIENT_FRAME_BYTES } from './websocket.constants.js';

/**
 * The Nest gateway listening on `path`. Nest reads a gateway's path from its class decorator,
 * so each module registration gets a class of its own (two apps in one process do not share
 * one); Nest's message routing is not used: the bridge reads the socket's frames itself, since
 * the protocol is `{ op }` frames rather than Nest's `{ event, data }`.
 */
export function gatewayFor(path: string): Type<OnGatewayConnection> {
  @WebSocketGateway({ path, maxPayload: MAX_CLIENT_FRAME_BYTES })
  class MessageBusGateway implements OnGatewayConnection {
    constructor(@Inject(MessageBusBridge) private readonly bridge: MessageBusBridge) {}

    handleConnection(socket: WebSocket, request: IncomingMessage): void {
      this.bridge.connect(socket, request);
    }
  }
  return MessageBusGateway;
}
