export { MessageBusAdminModule } from './message-bus-admin.module.js';
export type {
  AdminGuard,
  MessageBusAdminModuleOptions,
  MessageBusAdminOptions,
} from './message-bus-admin.options.js';
export type { AdminStats } from './admin-stats.service.js';
export type { HandlerInfo } from '../dispatch/handler-info.js';
export { ADMIN_STATS_TOPIC, DEFAULT_ADMIN_PATH } from './admin.constants.js';
export { AdminGuardRequiredError } from './admin.errors.js';
