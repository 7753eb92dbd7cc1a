import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SagaModuleOptions } from './saga-module.options.js';

export const {
  ConfigurableModuleClass: SagaConfigurableModule,
  MODULE_OPTIONS_TOKEN: SAGA_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<SagaModuleOptions>({ moduleName: 'MessageBusSagas' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSagaModuleOptions')
  .build();
