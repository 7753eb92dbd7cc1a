import { Module, type DynamicModule, type INestApplicationContext, type LogLevel, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Probe } from './probe.js';

// Warnings stay visible: a handler failure or a retry during a run would be a finding.
const LOG_LEVELS: LogLevel[] = ['error', 'warn'];

/** Creates and initialises a Nest application context with `imports` and `providers` (plus the probe). */
export async function bootApp(imports: DynamicModule[], providers: Provider[]): Promise<INestApplicationContext> {
  @Module({ imports, providers: [Probe, ...providers] })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: LOG_LEVELS });
  await app.init();
  return app;
}
