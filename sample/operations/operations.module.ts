import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MessageBusHealthModule } from 'nestjs-message-bus/health';
import { OperationsController } from './operations.controller.js';

@Module({
  imports: [TerminusModule, MessageBusHealthModule],
  controllers: [OperationsController],
})
export class OperationsModule {}
