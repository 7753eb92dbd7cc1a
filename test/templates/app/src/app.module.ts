import { Module } from '@nestjs/common';
import { MessageBusModule } from 'nestjs-message-bus';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';
import { GreetingHandler } from './greeting.handler.js';

@Module({
  imports: [MessageBusModule.forRoot('memory://')],
  controllers: [AppController],
  providers: [AppService, GreetingHandler],
})
export class AppModule {}
