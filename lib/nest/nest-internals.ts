// Nest exports these only from its internal entry points, meant for its sibling packages. They are
// kept in this one file so a Nest upgrade has one place to check (checked: @nestjs/common and
// @nestjs/core 12.5). The metadata keys are the strings Nest's own decorators write.
export {
  CUSTOM_ROUTE_ARGS_METADATA,
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
  ROUTE_ARGS_METADATA,
  assignMetadata,
} from '@nestjs/common/internal';

export { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';

import type { ApplicationConfig, ExternalContextCreator, NestContainer } from '@nestjs/core';

/**
 * The application's container seen with other global enhancers: handlers get the bus's own
 * globals (its interceptors, and the app's only on request), as Nest's hybrid microservices get
 * theirs with `inheritAppConfig`. An app-global HTTP guard or filter would otherwise refuse or
 * break every message. Nest builds its `ExternalContextCreator` from the container it holds.
 */
export function containerWithConfig(appContextCreator: ExternalContextCreator, config: ApplicationConfig): NestContainer {
  const container = (appContextCreator as unknown as { container: NestContainer }).container;
  return Object.create(container, { applicationConfig: { value: config } }) as NestContainer;
}

/** What `ExternalContextCreator` calls to run a handler's interceptors (its `InterceptorsConsumer`'s one method). */
export interface InterceptorsRunner {
  intercept(
    interceptors: never[],
    args: unknown[],
    instance: object,
    callback: (...args: unknown[]) => unknown,
    next: () => Promise<unknown>,
    type?: string,
  ): Promise<unknown>;
}

/** Has `contextCreator` run interceptors through `runner` instead of its own `InterceptorsConsumer`. */
export function runInterceptorsWith(contextCreator: ExternalContextCreator, runner: InterceptorsRunner): void {
  (contextCreator as unknown as { interceptorsConsumer: InterceptorsRunner }).interceptorsConsumer = runner;
}
