import { Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { MemoryTransport, MessageBusModule } from 'nestjs-message-bus';
import { MessageBusClient } from 'nestjs-message-bus/microservices';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';
import { GreetingHandler } from './greeting.handler.js';

/** The token of the Nest client on the bus. */
export const GREETINGS = 'GREETINGS';

// One in-process broker for the bus and its Nest client: each memory:// URL is a broker of its own.
const transport = new MemoryTransport();

@Module({
  imports: [
    MessageBusModule.forRoot(transport),
    ClientsModule.register([{ name: GREETINGS, customClass: MessageBusClient, options: { transport, timeoutMs: 2000 } }]),
  ],
  controllers: [AppController],
  providers: [AppService, GreetingHandler],
})
export class AppModule {}
