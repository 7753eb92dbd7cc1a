import type { IncomingMessage } from 'node:http';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { BridgeGuardData } from 'nestjs-message-bus/websocket';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Lets in requests from this machine only: the bus console and the live events are for the
 * operator at the keyboard. It guards the admin routes (an HTTP request) and the WebSocket
 * bridge (the upgrade request the client connected with). Behind a reverse proxy every request
 * looks local: use real authentication there.
 */
@Injectable()
export class LocalOperatorGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request =
      context.getType() === 'ws'
        ? context.switchToWs().getData<BridgeGuardData>().request
        : context.switchToHttp().getRequest<IncomingMessage>();
    return LOOPBACK.has(request.socket.remoteAddress ?? '');
  }
}
