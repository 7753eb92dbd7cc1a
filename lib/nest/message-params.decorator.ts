import { type PipeTransform, type Type } from '@nestjs/common';
import type { MessageContext } from '../messages/message-context.js';
import { assignMetadata, ROUTE_ARGS_METADATA } from './nest-internals.js';

/** Where a handler parameter comes from. Values are ours: only our params factory reads them. */
export enum MessageParamtype {
  PAYLOAD = 3,
  CONTEXT = 6,
}

type ArgsMetadata = Record<string, { index: number; data?: unknown; pipes: unknown[] }>;

function messageParam(paramtype: MessageParamtype, data?: string, pipes: (Type<PipeTransform> | PipeTransform)[] = []): ParameterDecorator {
  return (target, key, index) => {
    if (key === undefined) return;
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key) ?? {}) as ArgsMetadata;
    Reflect.defineMetadata(ROUTE_ARGS_METADATA, assignMetadata(args, paramtype, index, data, ...pipes), target.constructor, key);
  };
}

/**
 * Injects the payload (or one property of it) and lets pipes target it.
 *
 * ```ts
 * @CommandHandler(CreateOrder)
 * create(@Payload(new ValidationPipe({ transform: true })) order: CreateOrderDto) { ... }
 * ```
 * @publicApi
 */
export function Payload(property?: string, ...pipes: (Type<PipeTransform> | PipeTransform)[]): ParameterDecorator;
export function Payload(...pipes: (Type<PipeTransform> | PipeTransform)[]): ParameterDecorator;
export function Payload(
  propertyOrPipe?: string | Type<PipeTransform> | PipeTransform,
  ...pipes: (Type<PipeTransform> | PipeTransform)[]
): ParameterDecorator {
  if (typeof propertyOrPipe === 'string' || propertyOrPipe === undefined) {
    return messageParam(MessageParamtype.PAYLOAD, propertyOrPipe, pipes);
  }
  return messageParam(MessageParamtype.PAYLOAD, undefined, [propertyOrPipe, ...pipes]);
}

/** Injects the `MessageContext` of the message being handled. @publicApi */
export function MessageCtx(): ParameterDecorator {
  return messageParam(MessageParamtype.CONTEXT);
}

/** What `ExternalContextCreator` asks to turn a parameter type into an argument. */
interface ParamsFactory {
  exchangeKeyForValue(type: number, data: unknown, args: unknown[]): unknown;
}

/** Maps our parameter types to the arguments a handler is called with: `(payload, context)`. */
export const messageParamsFactory: ParamsFactory = {
  exchangeKeyForValue(type: number, data: unknown, args: unknown[]): unknown {
    if (type === MessageParamtype.CONTEXT) return args[1] as MessageContext;
    if (type !== MessageParamtype.PAYLOAD) return undefined;
    const payload = args[0];
    return typeof data === 'string' && payload !== null && typeof payload === 'object'
      ? (payload as Record<string, unknown>)[data]
      : payload;
  },
};

/**
 * Where the pipeline reads a handler's parameters: the user's (`@Payload`, `@MessageCtx`,
 * `createParamDecorator` ones) or, without any, `(payload, context)` — so method- and class-level
 * pipes (`@UsePipes(ValidationPipe)`) still validate the payload. Kept under our own key so the
 * user's metadata is never changed.
 */
export const HANDLER_ARGS_METADATA = 'message-bus:handler-args';

export function defineHandlerArgs(classRef: Function, methodName: string): void {
  let args = Reflect.getMetadata(ROUTE_ARGS_METADATA, classRef, methodName) as ArgsMetadata | undefined;
  if (args === undefined) {
    args = assignMetadata({}, MessageParamtype.PAYLOAD, 0);
    args = assignMetadata(args, MessageParamtype.CONTEXT, 1);
  }
  Reflect.defineMetadata(HANDLER_ARGS_METADATA, args, classRef, methodName);
}
