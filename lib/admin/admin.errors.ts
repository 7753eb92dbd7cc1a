import { MessageBusError } from '../messages/errors.js';

/**
 * `MessageBusAdminModule` was registered without a guard: its routes replay and purge dead
 * letters, so it refuses to exist unprotected. Thrown when the module is registered.
 * @publicApi
 */
export class AdminGuardRequiredError extends MessageBusError {
  readonly code = 'ADMIN_GUARD_REQUIRED';

  constructor() {
    super('MessageBusAdminModule needs a guard: forRoot({ guard: YourGuard }) (a CanActivate class or instance)');
  }
}
