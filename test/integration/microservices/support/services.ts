// Standalone Nest microservices, each served by a MessageBusServer with a bus of its own, for the
// bus semantics a microservice handler gets: groups, handler priorities and the drain on close.
import { Controller, Inject, Injectable, Module, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { Transport } from 'nestjs-message-bus';
import { MessageBusServer, type BusRpcContext } from 'nestjs-message-bus/microservices';
import { CollectingLogger, deferred } from '../../../support/bus-app.js';

export const SERVICE_NAME = 'SERVICE_NAME';

/** What the services' handlers saw, shared by every service of a test. */
@Injectable()
export class Probe {
  readonly records: { handler: string; service: string; n: number }[] = [];
  /** Resolved when `work.hold` starts; it answers once `release` is resolved. */
  readonly started = deferred();
  readonly release = deferred();

  count(handler: string): number {
    return this.records.filter((record) => record.handler === handler).length;
  }
}

abstract class ProbedController {
  constructor(
    @Inject(Probe) protected readonly probe: Probe,
    @Inject(SERVICE_NAME) protected readonly service: string,
  ) {}

  protected record(handler: string, n: number): void {
    this.probe.records.push({ handler, service: this.service, n });
  }
}

/**
 * One handler in the group every instance shares, one in the service's own group (on another
 * pattern: Nest chains the handlers of one pattern into one, with the first one's options).
 */
@Controller()
export class LedgerController extends ProbedController {
  @EventPattern<string>('ledger.*', { group: 'ledger' })
  shared(@Payload() n: number): void {
    this.record('ledger', n);
  }

  @EventPattern<string>('ledger.#')
  own(@Payload() n: number): void {
    this.record('own', n);
  }
}

/** Two handlers of one event, declared in the opposite order of their priorities. */
@Controller()
export class RankedController extends ProbedController {
  @EventPattern<string>('ranked.*', { priority: 90 })
  async late(@Payload() n: number): Promise<void> {
    await Promise.resolve();
    this.record('late', n);
  }

  @EventPattern<string>('ranked.#', { priority: 10 })
  async early(@Payload() n: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.record('early', n);
  }
}

@Controller()
export class WorkController extends ProbedController {
  @MessagePattern('work.hold')
  async hold(@Payload() n: number, @Ctx() context: BusRpcContext): Promise<string> {
    this.probe.started.resolve();
    await this.probe.release.promise;
    this.record('hold', n);
    return `done ${context.getTopic()}`;
  }
}

export interface Service {
  app: INestMicroservice;
  server: MessageBusServer;
  close(): Promise<void>;
}

/** `NestFactory.createMicroservice` with `MessageBusServer({ transport, serviceName })`, listening. */
export async function startService(transport: Transport, serviceName: string, probe: Probe, controllers: Type<unknown>[]): Promise<Service> {
  @Module({
    controllers,
    providers: [
      { provide: Probe, useValue: probe },
      { provide: SERVICE_NAME, useValue: serviceName },
    ],
  })
  class ServiceModule {}

  const server = new MessageBusServer({ transport, serviceName, retry: { maxAttempts: 1 } });
  const app = await NestFactory.createMicroservice(ServiceModule, { strategy: server, logger: new CollectingLogger() });
  try {
    await app.listen();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, server, close: () => app.close() };
}
