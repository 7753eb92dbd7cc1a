import type { Type } from '@nestjs/common';
import { HANDLER_METADATA } from '../constants.js';
import type { HandlerOptions } from '../dispatch/handler.js';
import type { MessageKind } from '../messages/envelope.js';
import { topicOf } from '../messages/topic.decorator.js';
import { assertPattern } from '../routing/topic.js';

/** A topic, a pattern, or a `@Topic` class. */
export type HandlerTarget = string | Type<unknown>;

/** What a handler decorator records on its method. */
export interface HandlerMetadata {
  kind: MessageKind;
  patterns: string[];
  payloadType?: Function;
  options: HandlerOptions;
}

/**
 * A method decorator recording one handler declaration. Targets are resolved and validated at
 * decoration time, so a bad topic fails when the class loads, not at the first message.
 */
export function handlerDecorator(kind: MessageKind, targets: HandlerTarget[], options: HandlerOptions): MethodDecorator {
  const patterns = targets.map((target) => (typeof target === 'string' ? target : topicOf(target)));
  patterns.forEach((pattern) => assertPattern(pattern));
  const classes = targets.filter((target): target is Type<unknown> => typeof target === 'function');
  const metadata: HandlerMetadata = {
    kind,
    patterns,
    // Payloads are turned into the declared class only when that is unambiguous.
    payloadType: classes.length === 1 && targets.length === 1 ? classes[0] : undefined,
    options,
  };
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const existing = (Reflect.getMetadata(HANDLER_METADATA, descriptor.value) as HandlerMetadata[] | undefined) ?? [];
    Reflect.defineMetadata(HANDLER_METADATA, [...existing, metadata], descriptor.value);
    return descriptor;
  };
}

/** The handler declarations on a method, if any. */
export function handlerMetadataOf(method: Function): HandlerMetadata[] | undefined {
  return Reflect.getMetadata(HANDLER_METADATA, method) as HandlerMetadata[] | undefined;
}
