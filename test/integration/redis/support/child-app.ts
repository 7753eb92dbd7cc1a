// A small Nest application run in a child process by the Redis tests (built by child-processes.ts).
// It reports what it handles to the parent over IPC and does what the parent asks.
import 'reflect-metadata';
import { Injectable, Module, type LoggerService, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CommandHandler,
  EventHandler,
  MessageBus,
  MessageBusModule,
  QueryHandler,
  type MessageContext,
} from 'nestjs-message-bus';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { RedisTransport, type RedisTransportOptions } from 'nestjs-message-bus/redis';
import type { ChildConfig, ChildReport, ChildRequest, WorkPayload } from './child-protocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;

function report(message: ChildReport): void {
  process.send?.(message);
}

@Injectable()
class Worker {
  @CommandHandler('work.do')
  async work(payload: WorkPayload, context: MessageContext) {
    report({ type: 'handled', name: config.name, topic: context.topic, n: payload.n, attempt: context.attempt });
    // Never settles: the process is killed while it holds the message.
    if (payload.hangIn === config.name) await new Promise(() => undefined);
    if (payload.failUntilAttempt !== undefined && context.attempt < payload.failUntilAttempt) {
      throw new Error(`attempt ${context.attempt} fails on purpose`);
    }
    return config.name;
  }
}

@Injectable()
class Listener {
  @EventHandler('news.*')
  onNews(payload: WorkPayload, context: MessageContext) {
    report({ type: 'handled', name: config.name, topic: context.topic, n: payload.n, attempt: context.attempt, copy: 'group' });
  }

  @EventHandler('news.*', { broadcast: true })
  onNewsHere(payload: WorkPayload, context: MessageContext) {
    report({ type: 'handled', name: config.name, topic: context.topic, n: payload.n, attempt: context.attempt, copy: 'broadcast' });
  }
}

@Injectable()
class Answerer {
  @QueryHandler('who.answers')
  whoAnswers() {
    return config.name;
  }
}

const ROLES: Record<string, Provider> = { worker: Worker, listener: Listener, answerer: Answerer };

/** Sends what the application logs to the parent, which checks it for leaked credentials. */
class ReportingLogger implements LoggerService {
  log(message: unknown) {
    report({ type: 'log', line: `log ${String(message)}` });
  }
  warn(message: unknown) {
    report({ type: 'log', line: `warn ${String(message)}` });
  }
  error(message: unknown) {
    report({ type: 'log', line: `error ${String(message)}` });
  }
}

@Module({
  imports: [
    MessageBusModule.forRoot(config.nats ? new NatsTransport(config.nats) : new RedisTransport(config.transport as RedisTransportOptions), {
      serviceName: config.serviceName,
      retry: config.retry,
    }),
  ],
  providers: config.roles.map((role) => ROLES[role]),
})
class ChildModule {}

const app = await NestFactory.createApplicationContext(ChildModule, { logger: new ReportingLogger() });
app.enableShutdownHooks();
const bus = app.get(MessageBus);

process.on('message', (request: ChildRequest) => {
  void answer(request).then(
    (value) => report({ type: 'reply', id: request.id, ok: true, value }),
    (error: Error) => report({ type: 'reply', id: request.id, ok: false, value: { name: error.name, message: error.message } }),
  );
});

async function answer(request: ChildRequest): Promise<unknown> {
  switch (request.op) {
    case 'send':
      return bus.send(request.topic, request.payload);
    case 'publish':
      return bus.publish(request.topic, request.payload);
    case 'request':
      return bus.request(request.topic, request.payload, { timeoutMs: 5000 });
    case 'execute':
      return bus.execute(request.topic, request.payload, { timeoutMs: 5000 });
    case 'close':
      await app.close();
      setImmediate(() => process.disconnect());
      return undefined;
  }
}

report({ type: 'ready', name: config.name, pid: process.pid });
