import { Injectable } from '@nestjs/common';
import type { RetryPolicy } from '../dispatch/retry-policy.js';
import { SAGA_METADATA } from './saga.constants.js';

/**
 * Options of `@Saga()`.
 * @publicApi
 */
export interface SagaOptions {
  /** Names the instances in the store; default the class name. Keep it stable across releases. */
  name?: string;
  /** Consumer group of the saga's steps; default the module's `serviceName`. */
  group?: string;
  /** Retry policy of the steps (a conflict that outlasts the immediate retries is retried by it too). */
  retry?: RetryPolicy;
}

/**
 * Marks a provider as a saga: a long-running workflow whose `@StartedBy` and `@Handles` methods
 * run on a state stored per correlation id. The class extends `SagaBase` and is listed in a
 * module's `providers` like any other; it is `@Injectable()` already.
 * @publicApi
 */
export function Saga(options: SagaOptions = {}): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(SAGA_METADATA, options, target);
    Injectable()(target);
  };
}

/** The `@Saga()` options of a class, if it is a saga. */
export function sagaOptionsOf(target: Function): SagaOptions | undefined {
  return Reflect.getMetadata(SAGA_METADATA, target) as SagaOptions | undefined;
}
