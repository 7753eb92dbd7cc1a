import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageBus } from '../message-bus.js';
import { withoutConnecting } from '../nest/offline-bootstrap.js';
import type { AsyncApiDocument, DescribeOptions } from './asyncapi-document.js';

/**
 * The AsyncAPI document of a Nest application, without running it: the module is bootstrapped
 * as an application context (providers built, init hooks run, no HTTP server) whose bus
 * registers its handlers but never connects, then closed.
 *
 * ```ts
 * const document = await describeApplication(AppModule, { version: '1.4.0' });
 * ```
 * @publicApi
 */
export async function describeApplication(module: Type<unknown> | DynamicModule, options?: DescribeOptions): Promise<AsyncApiDocument> {
  const app = await withoutConnecting(() =>
    NestFactory.createApplicationContext(module, { logger: ['error'], abortOnError: false }),
  );
  try {
    return app.get(MessageBus, { strict: false }).describe(options);
  } finally {
    await app.close();
  }
}
