import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import type { QueryResult } from '../messages/results.js';
import { engineOf, type MessageBus } from '../message-bus.js';
import { BusClosedError } from '../messages/errors.js';
import type { TransportConnection } from '../transports/contract/transport.js';
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
import { RpcRequestError } from './microservices.errors.js';

/**
 * Options of {@link MessageBusClient}: the bus it talks through, and how long `send` waits
 * for an answer (default 5000 ms, the bus's query timeout).
 * @publicApi
 */
export type MessageBusClientOptions = MessageBusPeerOptions & { timeoutMs?: number };

/**
 * A Nest `ClientProxy` on the message bus: `send(topic, data)` is a bus request (answered by a
 * `@MessagePattern` served by {@link MessageBusServer}, or by a `@QueryHandler`), `emit(topic,
 * data)` publishes an event. A handler's error arrives as the server threw it (for an
 * `RpcException`, its error value); no answer in time is an {@link RpcRequestError} with code
 * `TIMEOUT`.
 *
 * ```ts
 * ClientsModule.register([{ name: 'ORDERS', customClass: MessageBusClient, options: { transport: 'redis://...' } }])
 * const total = await lastValueFrom(this.orders.send<number>('math.sum', [1, 2]));
 * ```
 * @publicApi
 */
// `ClientsModule.register` takes a `customClass` of type `Type<ClientProxy>`, whose status is a
// `string` subject (a Subject is invariant in its type): the status is narrowed at the getter instead.
export class MessageBusClient extends ClientProxy<MessageBusStatusEvents> {
  private peer?: Promise<BusPeer>;
  private opened?: BusPeer;

  constructor(private readonly options: MessageBusClientOptions) {
    super();
  }

  /** `connected` once `connect()` resolves, `disconnected` after `close()`. */
  override get status(): Observable<MessageBusStatus> {
    return super.status as Observable<MessageBusStatus>;
  }

  /** Builds and starts the client's own bus (once); a shared bus is used as it is. */
  connect(): Promise<MessageBus> {
    this.peer ??= this.open();
    return this.peer.then((peer) => peer.bus);
  }

  async close(): Promise<void> {
    const peer = this.peer;
    if (peer === undefined) return;
    this.peer = undefined;
    this.opened = undefined;
    const opened = await peer;
    if (opened.owned) await closeBus(opened);
    this._status$.next('disconnected');
  }

  override on<EventKey extends MessageBusStatus>(event: EventKey, callback: MessageBusStatusEvents[EventKey]): void {
    onStatus(this.status, event, callback);
  }

  /** The bus's transport connection (`TransportConnection`); throws before `connect`. */
  unwrap<T = TransportConnection>(): T {
    return engineOf(this.connected()).connected() as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let listening = true;
    const answer = this.connected().request(topicOf(packet.pattern), packet.data, { timeoutMs: this.options.timeoutMs });
    answer.then(
      (result) => listening && callback(writePacketOf(result)),
      (error: unknown) => listening && callback({ err: error }),
    );
    return () => {
      listening = false;
    };
  }

  protected dispatchEvent<T = void>(packet: ReadPacket): Promise<T> {
    return this.connected().publish(topicOf(packet.pattern), packet.data) as Promise<T>;
  }

  private async open(): Promise<BusPeer> {
    const peer = await openBus(this.options);
    await startBus(peer);
    this.opened = peer;
    this._status$.next('connected');
    return peer;
  }

  private connected(): MessageBus {
    if (this.opened === undefined) throw new BusClosedError('MessageBusClient is not connected');
    return this.opened.bus;
  }
}

function writePacketOf(result: QueryResult<unknown>): WritePacket {
  if (result.ok) return { response: result.data, isDisposed: true };
  const { code, message, details } = result.error;
  return { err: details ?? new RpcRequestError(code, message) };
}
