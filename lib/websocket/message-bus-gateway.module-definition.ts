import { ConfigurableModuleBuilder } from '@nestjs/common';
import { gatewayFor } from './message-bus.gateway.js';
import { normalizeGatewayPath, type MessageBusGatewayOptions } from './message-bus-gateway.options.js';
import { DEFAULT_GATEWAY_PATH, GATEWAY_PATH, MESSAGE_BUS_GATEWAY_OPTIONS } from './websocket.constants.js';

// `path` shapes the module (Nest takes a gateway's path from its class), so it is given to
// forRoot and forRootAsync directly, never by an async factory.
export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<MessageBusGatewayOptions>({ optionsInjectionToken: MESSAGE_BUS_GATEWAY_OPTIONS })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createMessageBusGatewayOptions')
    .setExtras({ path: DEFAULT_GATEWAY_PATH, isGlobal: true }, (definition, extras) => {
      const path = normalizeGatewayPath(extras.path);
      return {
        ...definition,
        global: extras.isGlobal,
        providers: [...(definition.providers ?? []), { provide: GATEWAY_PATH, useValue: path }, gatewayFor(path)],
      };
    })
    .build();
