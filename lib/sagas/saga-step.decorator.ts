import type { Type } from '@nestjs/common';
import type { MessageContext } from '../messages/message-context.js';
import { topicOf } from '../messages/topic.decorator.js';
import { assertPattern } from '../routing/topic.js';
import { SAGA_STEP_METADATA } from './saga.constants.js';

/**
 * How a message finds its saga instance: the correlation value (an order id, a booking
 * reference) taken from the message.
 * @publicApi
 */
export interface SagaStepOptions<T> {
  correlate: (message: T, context: MessageContext) => string | number;
}

/** What `@StartedBy` and `@Handles` record on a method. */
export interface SagaStepMetadata {
  pattern: string;
  payloadType?: Function;
  correlate: (message: unknown, context: MessageContext) => string | number;
  /** Whether the message may create the instance; others are ignored when it does not exist. */
  starts: boolean;
}

/**
 * The event that starts a saga instance (or continues it, when one with its correlation id runs
 * already). `event` is a `@Topic` class or a topic.
 * @publicApi
 */
export function StartedBy<T>(event: Type<T> | string, options: SagaStepOptions<T>): MethodDecorator {
  return step(event, options, true);
}

/**
 * An event a running saga instance reacts to; one that correlates to no running instance is
 * ignored (the saga completed, or never started).
 * @publicApi
 */
export function Handles<T>(event: Type<T> | string, options: SagaStepOptions<T>): MethodDecorator {
  return step(event, options, false);
}

function step<T>(event: Type<T> | string, options: SagaStepOptions<T>, starts: boolean): MethodDecorator {
  const pattern = typeof event === 'string' ? event : topicOf(event);
  assertPattern(pattern);
  const metadata: SagaStepMetadata = {
    pattern,
    payloadType: typeof event === 'function' ? event : undefined,
    correlate: options.correlate as SagaStepMetadata['correlate'],
    starts,
  };
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const existing = sagaStepsOf(descriptor.value as Function) ?? [];
    Reflect.defineMetadata(SAGA_STEP_METADATA, [...existing, metadata], descriptor.value);
    return descriptor;
  };
}

/** The saga steps declared on a method, if any. */
export function sagaStepsOf(method: Function): SagaStepMetadata[] | undefined {
  return Reflect.getMetadata(SAGA_STEP_METADATA, method) as SagaStepMetadata[] | undefined;
}
