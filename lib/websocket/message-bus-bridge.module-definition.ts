import { ConfigurableModuleBuilder } from '@nestjs/common';
import { gatewayFor } from './message-bus.gateway.js';
import { normalizeBridgePath, type MessageBusBridgeOptions } from './message-bus-bridge.options.js';
import { DEFAULT_BRIDGE_PATH, BRIDGE_PATH, MESSAGE_BUS_BRIDGE_OPTIONS } from './websocket.constants.js';

// `path` shapes the module (Nest takes a gateway's path from its class), so it is given to
// forRoot and forRootAsync directly, never by an async factory.
export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<MessageBusBridgeOptions>({ optionsInjectionToken: MESSAGE_BUS_BRIDGE_OPTIONS })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createMessageBusBridgeOptions')
    .setExtras({ path: DEFAULT_BRIDGE_PATH, isGlobal: true }, (definition, extras) => {
      const path = normalizeBridgePath(extras.path);
      return {
        ...definition,
        global: extras.isGlobal,
        providers: [...(definition.providers ?? []), { provide: BRIDGE_PATH, useValue: path }, gatewayFor(path)],
      };
    })
    .build();
