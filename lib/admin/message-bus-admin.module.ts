import { Module } from '@nestjs/common';
import { AdminStatsService } from './admin-stats.service.js';
import { ConfigurableModuleClass } from './message-bus-admin.module-definition.js';

/**
 * An operator's API and console for the bus: stats, handlers, dead letters to list, replay and
 * purge, behind a guard it cannot be registered without (`AdminGuardRequiredError`). The console
 * shows live stats and events through `MessageBusBridgeModule` when the application has it.
 *
 * ```ts
 * @Module({
 *   imports: [
 *     MessageBusModule.forRoot('memory://'),
 *     MessageBusAdminModule.forRoot({ path: 'bus-admin', guard: OperatorGuard }),
 *   ],
 * })
 * export class AppModule {}
 * // GET /bus-admin (the console), /bus-admin/stats, /bus-admin/handlers, /bus-admin/dead-letters,
 * //     /bus-admin/asyncapi.json and /bus-admin/asyncapi.yaml (the AsyncAPI 3.0 document)
 * ```
 * `forRootAsync({ guard, path?, imports, inject, useFactory })` takes `{ statsIntervalMs, asyncApi }` from
 * a factory; `guard` and `path` stay beside it.
 * @publicApi
 */
@Module({
  providers: [AdminStatsService],
})
export class MessageBusAdminModule extends ConfigurableModuleClass {}
