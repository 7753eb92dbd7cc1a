import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { MessageBusModuleOptions } from './message-bus.options.js';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: MESSAGE_BUS_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MessageBusModuleOptions>({ moduleName: 'MessageBus' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createMessageBusOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
