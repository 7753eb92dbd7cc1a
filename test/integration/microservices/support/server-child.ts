// A standalone Nest microservice served by MessageBusServer in a child process, on the transport
// the parent names (MICRO_TRANSPORT redis|amqp, MICRO_NAMESPACE); it reports events over IPC.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { Transport } from 'nestjs-message-bus';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { MessageBusServer } from 'nestjs-message-bus/microservices';
import { RedisTransport } from 'nestjs-message-bus/redis';

const namespace = process.env.MICRO_NAMESPACE as string;
const transport: Transport =
  process.env.MICRO_TRANSPORT === 'redis'
    ? new RedisTransport({ url: process.env.REDIS_URL as string, prefix: namespace })
    : new AmqpTransport({ url: process.env.AMQP_URL as string, exchange: namespace });

@Controller()
class ChildMathController {
  @MessagePattern('math.sum')
  sum(@Payload() numbers: number[]): { sum: number; pid: number } {
    return { sum: numbers.reduce((total, n) => total + n, 0), pid: process.pid };
  }

  @EventPattern<string>('orders.*')
  onOrder(@Payload() payload: { n: number }): void {
    process.send?.({ type: 'event', n: payload.n, pid: process.pid });
  }
}

@Module({ controllers: [ChildMathController] })
class ChildModule {}

const app = await NestFactory.createMicroservice(ChildModule, {
  strategy: new MessageBusServer({ transport, serviceName: 'child-math' }),
  logger: ['error', 'warn'],
});
await app.listen();
process.on('message', (message: { type: string }) => {
  if (message.type === 'close') void app.close().then(() => process.disconnect());
});
process.send?.({ type: 'ready', pid: process.pid });
