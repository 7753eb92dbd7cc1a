import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { HandlerFunction, HandlerOptions, HandlerSpec, RegisteredHandler } from '../dispatch/handler.js';
import { BusClosedError } from '../messages/errors.js';
import { engineOf } from '../message-bus.js';
import type { TransportConnection } from '../transports/contract/transport.js';
import { BusRpcContext } from './bus-rpc.context.js';
import {
  closeBus,
  onStatus,
  openBus,
  startBus,
  topicOf,
  type BusPeer,
  type MessageBusPeerOptions,
  type MessageBusStatus,
  type MessageBusStatusEvents,
} from './bus-peer.js';
import { RpcHandlerError } from './microservices.errors.js';

/** Options of {@link MessageBusServer}: the bus it serves handlers on. @publicApi */
export type MessageBusServerOptions = MessageBusPeerOptions;

/**
 * Serves a Nest microservice's `@MessagePattern` and `@EventPattern` handlers on the message bus.
 * A `@MessagePattern('orders.get')` handler answers `bus.request`, `bus.execute` (retried as a
 * command) and `ClientProxy.send`; an `@EventPattern('orders.*')` handler gets events with the
 * bus's wildcards, groups, priorities, retries and dead letters. The second argument of either
 * decorator takes the bus's handler options (`{ priority, retry, broadcast, group, ... }`).
 *
 * ```ts
 * app.connectMicroservice({ strategy: new MessageBusServer({ bus: app.get(MessageBus) }) });
 * // or a bus of its own:
 * NestFactory.createMicroservice(AppModule, { strategy: new MessageBusServer({ transport: 'redis://...', serviceName: 'orders' }) });
 * ```
 * @publicApi
 */
export class MessageBusServer
  extends Server<MessageBusStatusEvents, MessageBusStatus>
  implements CustomTransportStrategy
{
  // Failures go back to the bus, which retries and dead-letters them.
  override readonly propagatesEventHandlerErrors = true;
  private peer?: BusPeer;

  constructor(private readonly options: MessageBusServerOptions) {
    super();
  }

  /** Object patterns (`{ cmd: 'sum' }`) fail here, at bootstrap, with `UnsupportedPatternError`. */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    super.addHandler(topicOf(pattern), callback, isEventHandler, extras);
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const peer = await openBus(this.options);
      this.peer = peer;
      const engine = engineOf(peer.bus);
      for (const [pattern, handler] of this.messageHandlers) {
        for (const spec of this.specsOf(pattern, handler)) engine.addHandler(spec);
      }
      await startBus(peer);
      this._status$.next('connected');
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops intake and waits for the handlers in flight; closes the bus when it is the server's own. */
  async close(): Promise<void> {
    const peer = this.peer;
    if (peer === undefined) return;
    this.peer = undefined;
    await closeBus(peer);
    this._status$.next('disconnected');
  }

  on<EventKey extends MessageBusStatus>(event: EventKey, callback: MessageBusStatusEvents[EventKey]): void {
    onStatus(this.status, event, callback);
  }

  /** The bus's transport connection (`TransportConnection`); throws before `listen`. */
  unwrap<T = TransportConnection>(): T {
    if (this.peer === undefined) throw new BusClosedError('MessageBusServer is not listening');
    return engineOf(this.peer.bus).connected() as T;
  }

  /**
   * One bus handler per pattern; Nest chains several event handlers of one pattern behind it.
   * A message pattern answers both kinds of request: queries and executed commands.
   */
  private specsOf(pattern: string, handler: MessageHandler): HandlerSpec[] {
    const options = handler.extras as HandlerOptions;
    const invoke = this.invoker(pattern);
    const kinds = handler.isEventHandler ? (['event'] as const) : (['query', 'command'] as const);
    return kinds.map((kind) => ({ id: `MessageBusServer.${kind}(${pattern})`, kind, patterns: [pattern], options, invoke }));
  }

  private invoker(pattern: string): HandlerFunction {
    return async (payload, context) => {
      const handler = this.messageHandlers.get(pattern) as MessageHandler;
      try {
        // Nest replies a stream's values one by one; a bus reply is one value: the last.
        return await lastValueFrom(this.transformToObservable(handler(payload, new BusRpcContext(context))), {
          defaultValue: undefined,
        });
      } catch (error) {
        // Nest's exception filters turn exceptions into plain error values, which are not Errors.
        throw error instanceof Error ? error : new RpcHandlerError(error);
      }
    };
  }
}
