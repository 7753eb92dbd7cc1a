import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DEFAULT_ADMIN_PATH, MESSAGE_BUS_ADMIN_OPTIONS } from './admin.constants.js';
import { adminControllerFor } from './message-bus-admin.controller.js';
import { assertGuard, normalizeAdminPath, type AdminGuard, type MessageBusAdminOptions } from './message-bus-admin.options.js';

// `path` and `guard` shape the routes (a controller's path and guards are class metadata), so
// they are given to forRoot and forRootAsync directly, never by an async factory. Extras are
// optional in the builder's types, so a missing guard is caught here, when the module is
// registered.
export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<MessageBusAdminOptions>({ optionsInjectionToken: MESSAGE_BUS_ADMIN_OPTIONS })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createMessageBusAdminOptions')
    .setExtras({ path: DEFAULT_ADMIN_PATH, guard: undefined as AdminGuard | undefined }, (definition, extras) => {
      assertGuard(extras.guard);
      return { ...definition, controllers: [adminControllerFor(normalizeAdminPath(extras.path), extras.guard)] };
    })
    .build();
