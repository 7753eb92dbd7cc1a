import { Inject, Injectable, type NestInterceptor, type Type } from '@nestjs/common';
import { ApplicationConfig, ContextIdFactory, ExternalContextCreator, ModuleRef, type ContextId } from '@nestjs/core';
import { BUS_CONTEXT_TYPE } from '../constants.js';
import type { MessageContext } from '../messages/message-context.js';
import { MESSAGE_BUS_OPTIONS } from '../message-bus.module-definition.js';
import type { MessageBusModuleOptions } from '../message-bus.options.js';
import type { DiscoveredHandler } from './handler.explorer.js';
import { translateHttpException } from './http-exception.translator.js';
import { defineHandlerArgs, HANDLER_ARGS_METADATA, messageParamsFactory } from './message-params.decorator.js';
import {
  EXCEPTION_FILTERS_METADATA,
  containerWithConfig,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
  ROUTE_ARGS_METADATA,
} from './nest-internals.js';
import { lightenPipeline } from './light-pipeline.js';

type Method = (...args: unknown[]) => unknown;
type Wrapper = DiscoveredHandler['wrapper'];
/** A message's context, or a batch's contexts. */
type Contexts = MessageContext | MessageContext[];
/**
 * A method's arguments are passed on as they come, so one invoker is both a `HandlerFunction`
 * and a `BatchHandlerFunction`.
 */
export type MethodInvoker = (payload: unknown, context: Contexts) => unknown;

const ENHANCER_KEYS = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA];

/**
 * Turns a discovered handler method into the function the dispatcher calls:
 * - no enhancer anywhere: the bound method itself (the fast path);
 * - guards, interceptors, pipes, filters or parameter decorators: Nest's own pipeline, built once,
 *   with `ExecutionContext.getType() === 'bus'` and `switchToRpc()` giving payload and context;
 * - a request-scoped provider: a fresh instance per message, in a DI sub-tree shared by the
 *   handlers of that one delivery, with `REQUEST` and `MESSAGE_CONTEXT` resolving to its context;
 * Global enhancers are the bus's own: its `interceptors` option, plus the app's globals only with
 * `inheritAppEnhancers`.
 */
@Injectable()
export class HandlerInvokerFactory {
  private readonly scopes = new WeakMap<Contexts, ContextId>();
  private readonly config = new ApplicationConfig();
  private contextCreator!: ExternalContextCreator;

  constructor(
    private readonly appContextCreator: ExternalContextCreator,
    private readonly appConfig: ApplicationConfig,
    private readonly moduleRef: ModuleRef,
    @Inject(MESSAGE_BUS_OPTIONS) private readonly options: MessageBusModuleOptions,
  ) {}

  /** Sets up the bus's global enhancers; interceptor classes come from DI (or are created). */
  async prepare(): Promise<void> {
    if (this.options.inheritAppEnhancers) inheritGlobals(this.appConfig, this.config);
    for (const interceptor of this.options.interceptors ?? []) this.config.addGlobalInterceptor(await this.instantiate(interceptor));
    this.contextCreator = ExternalContextCreator.fromContainer(containerWithConfig(this.appContextCreator, this.config));
    lightenPipeline(this.contextCreator);
  }

  create({ wrapper, instance, methodName }: DiscoveredHandler): MethodInvoker {
    const classRef = instance.constructor;
    const method = (Object.getPrototypeOf(instance) as Record<string, Method>)[methodName];
    const pipeline = this.needsPipeline(classRef, method, methodName);
    if (pipeline) defineHandlerArgs(classRef, methodName);
    if (!wrapper.isDependencyTreeStatic()) return this.perMessage(wrapper, method, methodName, pipeline);
    return pipeline ? this.pipeline(instance, method, methodName) : method.bind(instance);
  }

  private needsPipeline(classRef: Function, method: Method, methodName: string): boolean {
    const declared = ENHANCER_KEYS.some((key) => isFilled(Reflect.getMetadata(key, classRef)) || isFilled(Reflect.getMetadata(key, method)));
    const params = Reflect.getMetadata(ROUTE_ARGS_METADATA, classRef, methodName) !== undefined;
    const config = this.config;
    const global =
      config.getGlobalGuards().length +
        config.getGlobalInterceptors().length +
        config.getGlobalPipes().length +
        config.getGlobalFilters().length +
        config.getGlobalRequestGuards().length +
        config.getGlobalRequestInterceptors().length +
        config.getGlobalRequestPipes().length +
        config.getGlobalRequestFilters().length >
      0;
    return declared || params || global;
  }

  private pipeline(instance: object, method: Method, methodName: string, contextId?: ContextId, inquirerId?: string): MethodInvoker {
    const proxy = this.contextCreator.create(
      instance,
      method,
      methodName,
      HANDLER_ARGS_METADATA,
      messageParamsFactory,
      contextId,
      inquirerId,
      undefined,
      BUS_CONTEXT_TYPE,
    );
    return (payload: unknown, context: Contexts) => proxy(payload, context).catch(translateHttpException);
  }

  private perMessage(wrapper: Wrapper, method: Method, methodName: string, pipeline: boolean): MethodInvoker {
    const durable = wrapper.isDependencyTreeDurable();
    // A batch gets one DI sub-tree, keyed by its contexts.
    return async (payload: unknown, context: Contexts) => {
      const contextId = this.contextIdOf(context, durable);
      const instance = await this.moduleRef.resolve<unknown, object>(wrapper.token, contextId, { strict: false });
      if (!pipeline) return method.call(instance, payload, context);
      return this.pipeline(instance, method, methodName, contextId, wrapper.id)(payload, context);
    };
  }

  /** One DI sub-tree per delivery: created with the first scoped handler, reused by the others. */
  private contextIdOf(context: Contexts, durable: boolean): ContextId {
    let contextId = this.scopes.get(context);
    if (contextId === undefined) {
      // getByRequest honours a ContextIdStrategy registered with ContextIdFactory.apply (durable providers).
      contextId = ContextIdFactory.getByRequest(context);
      this.scopes.set(context, contextId);
      const request = durable && contextId.payload !== undefined ? contextId.payload : context;
      this.moduleRef.registerRequestByContextId(request, contextId);
    }
    return contextId;
  }

  private async instantiate(interceptor: Type<NestInterceptor> | NestInterceptor): Promise<NestInterceptor> {
    if (typeof interceptor !== 'function') return interceptor;
    try {
      return this.moduleRef.get(interceptor, { strict: false });
    } catch {
      return this.moduleRef.create(interceptor);
    }
  }
}

function inheritGlobals(from: ApplicationConfig, to: ApplicationConfig): void {
  from.getGlobalGuards().forEach((guard) => to.addGlobalGuard(guard));
  from.getGlobalInterceptors().forEach((interceptor) => to.addGlobalInterceptor(interceptor));
  from.getGlobalPipes().forEach((pipe) => to.addGlobalPipe(pipe));
  from.getGlobalFilters().forEach((filter) => to.addGlobalFilter(filter));
  from.getGlobalRequestGuards().forEach((guard) => to.addGlobalRequestGuard(guard));
  from.getGlobalRequestInterceptors().forEach((interceptor) => to.addGlobalRequestInterceptor(interceptor));
  from.getGlobalRequestPipes().forEach((pipe) => to.addGlobalRequestPipe(pipe));
  from.getGlobalRequestFilters().forEach((filter) => to.addGlobalRequestFilter(filter));
}

function isFilled(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
