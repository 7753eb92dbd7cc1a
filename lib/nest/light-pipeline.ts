import type { CallHandler, ContextType, NestInterceptor } from '@nestjs/common';
import { isObservable, Observable, type Subscriber } from 'rxjs';
import type { ExternalContextCreator } from '@nestjs/core';
import { ExecutionContextHost, pipelinePartsOf, type ParamOption } from './nest-internals.js';

type Next = () => Promise<unknown>;

/**
 * Lightens what `contextCreator` does on every call, keeping what Nest's pipeline means: the
 * interceptors run through an {@link InterceptorChain}, and a handler whose parameters have no
 * pipe (none global, none of its own) gets them filled in place, without Nest's promise per
 * parameter.
 */
export function lightenPipeline(contextCreator: ExternalContextCreator): void {
  const parts = pipelinePartsOf(contextCreator);
  const createPipesFn = parts.createPipesFn.bind(parts);
  parts.interceptorsConsumer = new InterceptorChain();
  parts.createPipesFn = (pipes, paramsOptions) =>
    pipes.length > 0 || paramsOptions.some((param) => param.pipes.length > 0) ? createPipesFn(pipes, paramsOptions) : fillParams(paramsOptions);
}

function fillParams(paramsOptions: ParamOption[]): ((args: unknown[], ...params: unknown[]) => void) | null {
  if (paramsOptions.length === 0) return null;
  return (args, ...params) => {
    for (const { index, extractValue } of paramsOptions) args[index] = extractValue(...params);
  };
}

/**
 * Runs a handler's interceptors as Nest's `InterceptorsConsumer` does — outermost first, each
 * `next.handle()` a cold Observable that runs the rest of the chain once per subscription and
 * emits the handler's result (every value of a returned Observable) — with one plain Observable
 * per interceptor instead of Nest's `defer`, `mergeAll` and `AsyncResource` per level, which
 * cost a pass-through interceptor ~15 µs per message. The async context needs no binding here:
 * the chain runs inside the message's scope, and rxjs schedules on timers, which carry it.
 */
class InterceptorChain {
  intercept(
    interceptors: readonly NestInterceptor[],
    args: unknown[],
    instance: object,
    callback: (...args: unknown[]) => unknown,
    next: Next,
    type?: string,
  ): Promise<unknown> {
    if (interceptors.length === 0) return next();
    const context = new ExecutionContextHost(args, instance.constructor as never, callback);
    context.setType(type as ContextType);
    const from = (index: number): Observable<unknown> | Promise<Observable<unknown>> => {
      if (index === interceptors.length) return new Observable((subscriber) => emitResult(next(), subscriber));
      const handler: CallHandler = { handle: () => new Observable((subscriber) => pipeInto(from(index + 1), subscriber)) };
      return interceptors[index].intercept(context, handler);
    };
    return Promise.resolve(from(0));
  }
}

/** Emits what the handler returned: each value of an Observable, else the value itself. */
function emitResult(result: Promise<unknown>, subscriber: Subscriber<unknown>): () => void {
  let inner: { unsubscribe(): void } | undefined;
  result.then(
    (value) => {
      if (subscriber.closed) return;
      if (isObservable(value)) inner = value.subscribe(subscriber);
      else {
        subscriber.next(value);
        subscriber.complete();
      }
    },
    (error: unknown) => {
      if (!subscriber.closed) subscriber.error(error);
    },
  );
  return () => inner?.unsubscribe();
}

/** Subscribes `subscriber` to what an interceptor returned (an Observable, or a promise of one). */
function pipeInto(source: Observable<unknown> | Promise<Observable<unknown>>, subscriber: Subscriber<unknown>): () => void {
  if (isObservable(source)) {
    const subscription = source.subscribe(subscriber);
    return () => subscription.unsubscribe();
  }
  let inner: { unsubscribe(): void } | undefined;
  Promise.resolve(source).then(
    (observable) => {
      if (!subscriber.closed) inner = observable.subscribe(subscriber);
    },
    (error: unknown) => {
      if (!subscriber.closed) subscriber.error(error);
    },
  );
  return () => inner?.unsubscribe();
}
