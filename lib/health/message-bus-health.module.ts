import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MessageBusHealthIndicator } from './message-bus.health.js';

/**
 * Provides `MessageBusHealthIndicator` (import it next to `MessageBusModule`).
 * @publicApi
 */
@Module({
  imports: [TerminusModule],
  providers: [MessageBusHealthIndicator],
  exports: [MessageBusHealthIndicator],
})
export class MessageBusHealthModule {}
