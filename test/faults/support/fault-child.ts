// One bus application in its own process for the fault suite (launched through
// test/integration/amqp/fixtures/run-fixture.mjs). Every message is appended to a JSONL log with
// a write(2) when its handler starts and again before it returns: each line reaches the kernel, so it
// survives a kill -9 of this process, and the parent's ledger reads it as the truth.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageBusModule } from 'nestjs-message-bus';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { faultHandlers } from './fault-handlers.js';
import type { FaultChildConfig } from './fault-protocol.js';

const config = JSON.parse(process.env.FAULT_CHILD as string) as FaultChildConfig;

// The parent fixes the bug in place (`{ type: 'fix' }`, answered `fixed`).
let fixed = false;
process.on('message', (message: { type?: string }) => {
  if (message.type !== 'fix') return;
  fixed = true;
  process.send?.({ type: 'fixed' });
});

const transport = config.url.startsWith('amqp')
  ? new AmqpTransport({ url: config.url, exchange: config.namespace, prefetch: config.prefetch })
  : new RedisTransport({ url: config.url, prefix: config.namespace, visibilityTimeoutMs: config.visibilityTimeoutMs, prefetch: config.prefetch });

@Module({
  imports: [
    MessageBusModule.forRoot(transport, {
      serviceName: config.serviceName,
      concurrency: config.concurrency,
      drainTimeoutMs: config.drainTimeoutMs,
      retry: { maxAttempts: config.maxAttempts ?? 3, initialDelayMs: 100, factor: 1, ...config.retry },
    }),
  ],
  providers: faultHandlers({ ...config, isFixed: () => fixed }),
})
class FaultChildModule {}

const app = await NestFactory.createApplicationContext(FaultChildModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
process.send?.({ type: 'ready', pid: process.pid });
