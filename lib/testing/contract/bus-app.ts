import type { DynamicModule, LoggerService, Provider, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Transport } from '../../transports/contract/transport.js';
import { MessageBus } from '../../message-bus.js';
import { MessageBusModule } from '../../message-bus.module.js';
import type { BusOptions } from '../../message-bus.options.js';

/** Keeps what the application logged, so tests can assert on it and runs stay quiet. */
export class CollectingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(`log ${String(message)}`);
  }
  error(message: unknown): void {
    this.lines.push(`error ${String(message)}`);
  }
  warn(message: unknown): void {
    this.lines.push(`warn ${String(message)}`);
  }
  debug(message: unknown): void {
    this.lines.push(`debug ${String(message)}`);
  }
  verbose(message: unknown): void {
    this.lines.push(`verbose ${String(message)}`);
  }
}

export interface BusAppSetup {
  transport: Transport | string;
  /** Where the app logs; a fresh one by default. */
  logger?: CollectingLogger;
  options?: BusOptions;
  providers?: Provider[];
  controllers?: Type<unknown>[];
  imports?: (Type<unknown> | DynamicModule)[];
}

export interface BusApp {
  module: TestingModule;
  bus: MessageBus;
  logger: CollectingLogger;
  // A class with a private constructor (MessageBus, BusMetrics) is a token too.
  get<T>(type: Type<T> | (Function & { prototype: T })): T;
  close(): Promise<void>;
}

/** Boots a Nest application context with the bus and the given handlers, initialised. */
export async function startBusApp(setup: BusAppSetup): Promise<BusApp> {
  const logger = setup.logger ?? new CollectingLogger();
  const module = await Test.createTestingModule({
    imports: [MessageBusModule.forRoot(setup.transport, setup.options), ...(setup.imports ?? [])],
    providers: setup.providers ?? [],
    controllers: setup.controllers ?? [],
  })
    .setLogger(logger)
    .compile();
  try {
    await module.init();
  } catch (error) {
    // A bootstrap that failed half-way may hold broker connections already.
    await module.close().catch(() => undefined);
    throw error;
  }
  return {
    module,
    bus: module.get(MessageBus),
    logger,
    get: (type) => module.get(type),
    close: () => module.close(),
  };
}

/** Boots an app expected to fail at bootstrap; resolves the error and what the app logged. */
export async function bootstrapFailure(setup: BusAppSetup): Promise<{ error: Error; logger: CollectingLogger }> {
  const logger = setup.logger ?? new CollectingLogger();
  let app: BusApp;
  try {
    app = await startBusApp({ ...setup, logger });
  } catch (error) {
    return { error: error as Error, logger };
  }
  await app.close();
  throw new Error('Expected the application to fail at bootstrap, but it started');
}

/** Closes every app a test started, even when the test failed. */
export class AppTracker {
  private readonly apps: BusApp[] = [];

  async start(setup: BusAppSetup): Promise<BusApp> {
    const app = await startBusApp(setup);
    this.apps.push(app);
    return app;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.apps.splice(0).map((app) => app.close()));
  }
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/** Resolves once `condition` holds, polling every few ms; rejects after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
