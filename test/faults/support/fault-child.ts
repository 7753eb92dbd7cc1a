// One bus application in its own process for the fault suite (launched through
// test/integration/amqp/fixtures/run-fixture.mjs). Every message is appended to a JSONL log with
// a write(2) when its handler starts and again before it returns: each line reaches the kernel, so it
// survives a kill -9 of this process, and the parent's ledger reads it as the truth.
import 'reflect-metadata';
import { openSync, writeSync } from 'node:fs';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandHandler, MessageBusModule, QueryHandler, type MessageContext } from 'nestjs-message-bus';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { RedisTransport } from 'nestjs-message-bus/redis';
import type { FaultChildConfig, FaultWork, HandledLine } from './fault-protocol.js';

const config = JSON.parse(process.env.FAULT_CHILD as string) as FaultChildConfig;
const logFile = openSync(config.log, 'a');

function log(payload: FaultWork, context: MessageContext, done: boolean): void {
  const line: HandledLine = { id: payload.id, pid: process.pid, attempt: context.attempt, done, at: Date.now() };
  writeSync(logFile, `${JSON.stringify(line)}\n`);
}

@Injectable()
class FaultWorker {
  @CommandHandler('fault.work')
  async work(payload: FaultWork, context: MessageContext) {
    log(payload, context, false);
    // A poison message: the process dies mid-handler, every time it gets it.
    if (payload.poison) process.exit(1);
    if (payload.sleepMs) await new Promise((resolve) => setTimeout(resolve, payload.sleepMs));
    log(payload, context, true);
  }

  @QueryHandler('fault.echo')
  async echo(payload: FaultWork, context: MessageContext) {
    log(payload, context, false);
    if (payload.sleepMs) await new Promise((resolve) => setTimeout(resolve, payload.sleepMs));
    log(payload, context, true);
    return { id: payload.id, pid: process.pid };
  }
}

const transport = config.url.startsWith('amqp')
  ? new AmqpTransport({ url: config.url, exchange: config.namespace, prefetch: config.prefetch })
  : new RedisTransport({ url: config.url, prefix: config.namespace, visibilityTimeoutMs: config.visibilityTimeoutMs, prefetch: config.prefetch });

@Module({
  imports: [
    MessageBusModule.forRoot(transport, {
      serviceName: config.serviceName,
      concurrency: config.concurrency,
      retry: { maxAttempts: config.maxAttempts ?? 3, initialDelayMs: 100, factor: 1 },
    }),
  ],
  providers: [FaultWorker],
})
class FaultChildModule {}

const app = await NestFactory.createApplicationContext(FaultChildModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
process.send?.({ type: 'ready', pid: process.pid });
