import { Module } from '@nestjs/common';
import { MessageBusBridge } from './message-bus-bridge.js';
import { ConfigurableModuleClass } from './message-bus-bridge.module-definition.js';
import { MESSAGE_BUS_BRIDGE } from './websocket.constants.js';

/**
 * Bridges bus events to WebSocket clients (browsers, dashboards, assistants) and lets them
 * publish, within `allow` and a guard. Needs Nest's `ws` adapter.
 *
 * ```ts
 * @Module({
 *   imports: [
 *     MessageBusModule.forRoot('memory://'),
 *     MessageBusBridgeModule.forRoot({ path: '/bus-events', allow: { subscribe: ['TTS.*'], publish: ['UI.*'] } }),
 *   ],
 * })
 * export class AppModule {}
 *
 * app.useWebSocketAdapter(new WsAdapter(app)); // before app.listen()
 * ```
 * `forRootAsync({ path, imports, inject, useFactory })` takes the options from a factory; `path`
 * and `isGlobal` stay beside it. Global by default, so `MessageBusBridge` can be injected anywhere.
 * @publicApi
 */
@Module({
  providers: [MessageBusBridge, { provide: MESSAGE_BUS_BRIDGE, useExisting: MessageBusBridge }],
  exports: [MessageBusBridge, MESSAGE_BUS_BRIDGE],
})
export class MessageBusBridgeModule extends ConfigurableModuleClass {}
