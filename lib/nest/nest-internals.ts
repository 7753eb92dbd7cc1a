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

/** One parameter of a handler as `ExternalContextCreator` resolves it: where it goes, how it is read, its own pipes. */
export interface ParamOption {
  index: number;
  extractValue(...params: unknown[]): unknown;
  pipes: unknown[];
}

type PipesFn = (args: unknown[], ...params: unknown[]) => unknown;

/**
 * The two parts of `ExternalContextCreator` that run on every call: its `InterceptorsConsumer`
 * (one method used) and the factory of the function that resolves a call's arguments.
 */
export interface PipelineParts {
  interceptorsConsumer: {
    intercept(
      interceptors: never[],
      args: unknown[],
      instance: object,
      callback: (...args: unknown[]) => unknown,
      next: () => Promise<unknown>,
      type?: string,
    ): Promise<unknown>;
  };
  createPipesFn(pipes: unknown[], paramsOptions: ParamOption[]): PipesFn | null;
}

/** The per-call parts of `contextCreator`, to replace before it creates any handler. */
export function pipelinePartsOf(contextCreator: ExternalContextCreator): PipelineParts {
  return contextCreator as unknown as PipelineParts;
}
