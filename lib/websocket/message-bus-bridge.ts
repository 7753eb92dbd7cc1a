import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig, ModuleRef } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import type { RawData, WebSocket } from 'ws';
import type { Envelope } from '../messages/envelope.js';
import { MessageBusError, toError } from '../messages/errors.js';
import { newMessageId } from '../messages/message-id.js';
import { BUS_ENGINE } from '../constants.js';
import type { BusEngine } from '../dispatch/bus-engine.js';
import { MessageBus } from '../message-bus.js';
import { assertTopic } from '../routing/topic.js';
import { TopicTrie } from '../routing/topic-trie.js';
import { BridgeAccess } from './bridge-access.js';
import { BridgeClient } from './bridge-client.js';
import {
  encode,
  encodeEvent,
  MAX_PATTERNS_PER_CLIENT,
  parseClientFrame,
  refused,
  type BridgeErrorCode,
  type ClientFrame,
  type FrameRef,
  type ServerFrame,
} from './bridge-frames.js';
import { EventRing } from './event-ring.js';
import { resolveBridgeOptions, type BridgeSettings, type MessageBusBridgeOptions } from './message-bus-bridge.options.js';
import { coveredByAny } from './pattern-cover.js';
import { BridgeCloseCode, BRIDGE_HANDLER_ID, BRIDGE_PATH, LOGGER_CONTEXT, MESSAGE_BUS_BRIDGE_OPTIONS } from './websocket.constants.js';
import { WebSocketAdapterError } from './websocket.errors.js';

type Frame<Op extends ClientFrame['op']> = Extract<ClientFrame, { op: Op }>;

const PUBLISH_ERROR_CODES = new Set<string>(['INVALID_TOPIC', 'PAYLOAD_TOO_LARGE', 'OVERLOADED', 'BUS_CLOSED']);

/**
 * The WebSocket bridge itself: one broadcast event handler per instance for the
 * `allow.subscribe` patterns fans events out to the clients subscribed to them, keeps recent
 * ones for clients that reconnect, publishes what clients may publish, and keeps clients honest
 * (pings, bounded send buffers). Inject it to push frames of your own to this instance's clients.
 * @publicApi
 */
@Injectable()
export class MessageBusBridge implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly settings: BridgeSettings;
  private readonly clients = new Set<BridgeClient>();
  private readonly subscriptions = new TopicTrie<BridgeClient>();
  private readonly ring: EventRing;
  private access!: BridgeAccess;
  private pinger?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly bus: MessageBus,
    @Inject(BUS_ENGINE) private readonly engine: BusEngine,
    private readonly moduleRef: ModuleRef,
    private readonly appConfig: ApplicationConfig,
    @Inject(MESSAGE_BUS_BRIDGE_OPTIONS) options: MessageBusBridgeOptions,
    /** The path clients connect to, such as `/bus-events`. */
    @Inject(BRIDGE_PATH) readonly path: string,
  ) {
    this.settings = resolveBridgeOptions(options);
    this.ring = new EventRing(this.settings.catchUp);
  }

  /** The patterns clients may subscribe to (`allow.subscribe`). */
  get subscribePatterns(): readonly string[] {
    return this.settings.subscribe;
  }

  /** Clients connected to this instance. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** True when a client of this instance is subscribed to a pattern matching `topic`. */
  hasSubscribers(topic: string): boolean {
    return this.subscriptions.match(topic).length > 0;
  }

  /**
   * Sends an event frame to this instance's clients subscribed to `topic`, without going through
   * the bus (so other instances do not see it, and it is not kept for catch-up). Resolves how
   * many clients it was sent to.
   */
  push(topic: string, payload: unknown): number {
    assertTopic(topic);
    const id = newMessageId();
    return this.fanOut(topic, encode({ type: 'event', topic, payload, id, correlationId: id, timestamp: Date.now() }));
  }

  async onModuleInit(): Promise<void> {
    const adapter = this.appConfig.getIoAdapter();
    if (adapter && !(adapter instanceof WsAdapter)) throw new WebSocketAdapterError();
    this.access = await BridgeAccess.create(this.settings, this.moduleRef, MessageBusBridge, this.logger);
    if (this.settings.subscribe.length > 0) {
      this.engine.addHandler({
        id: BRIDGE_HANDLER_ID,
        kind: 'event',
        patterns: this.settings.subscribe,
        options: { broadcast: true },
        invoke: (_payload, context) => this.receive(context.envelope),
      });
    }
    const { pingIntervalMs } = this.settings;
    if (pingIntervalMs !== false) this.pinger = setInterval(() => this.ping(), pingIntervalMs).unref();
  }

  onModuleDestroy(): void {
    this.closed = true;
    clearInterval(this.pinger);
    for (const client of this.clients) this.disconnect(client, BridgeCloseCode.GOING_AWAY, 'Server shutting down');
  }

  /** Takes a new connection (called by the gateway); the guard decides on it before any of its frames. */
  connect(socket: WebSocket, request: IncomingMessage): void {
    if (this.closed) {
      socket.close(BridgeCloseCode.GOING_AWAY, 'Server shutting down');
      return;
    }
    const client = new BridgeClient(socket, request, this.settings.maxBufferedBytes, (error) =>
      this.logger.error(`A WebSocket client's frame failed: ${toError(error).message}`, toError(error).stack),
    );
    this.clients.add(client);
    socket.on('pong', () => {
      client.alive = true;
    });
    socket.on('close', () => this.forget(client));
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (!client.enqueue(() => this.handle(client, data, isBinary))) {
        this.disconnect(client, BridgeCloseCode.POLICY_VIOLATION, 'Too many frames waiting');
      }
    });
    client.enqueue(() =>
      then(this.access.allows(socket, { op: 'connect', request }, this.connect), (allowed) => {
        if (!allowed) this.disconnect(client, BridgeCloseCode.FORBIDDEN, 'Forbidden');
      }),
    );
  }

  private handle(client: BridgeClient, data: RawData, isBinary: boolean): void | Promise<void> {
    if (!this.clients.has(client)) return;
    const frame = parseClientFrame(data, isBinary);
    if ('type' in frame) return this.reply(client, frame);
    switch (frame.op) {
      case 'subscribe':
        return this.subscribe(client, frame);
      case 'unsubscribe':
        return this.unsubscribe(client, frame);
      case 'publish':
        return this.publish(client, frame);
      case 'ping':
        return this.reply(client, { type: 'pong', ref: frame.ref });
    }
  }

  private subscribe(client: BridgeClient, frame: Frame<'subscribe'>): void | Promise<void> {
    const { patterns, ref } = frame;
    const outside = this.access.notSubscribable(patterns);
    if (outside.length > 0) {
      return this.reply(client, refused(ref, 'FORBIDDEN', `Not allowed to subscribe to ${outside.join(', ')}`, 'subscribe'));
    }
    const added = patterns.filter((pattern) => !client.patterns.has(pattern)).length;
    if (client.patterns.size + added > MAX_PATTERNS_PER_CLIENT) {
      return this.reply(client, refused(ref, 'BAD_FRAME', `At most ${MAX_PATTERNS_PER_CLIENT} patterns per client`, 'subscribe'));
    }
    const data = { op: 'subscribe' as const, patterns, request: client.request };
    return then(this.access.allows(client.socket, data, this.subscribe), (allowed) => {
      if (allowed) this.start(client, frame);
      else this.reply(client, refused(ref, 'FORBIDDEN', `The guard refused ${patterns.join(', ')}`, 'subscribe'));
    });
  }

  // Synchronous from the subscription to the answer: every event is either in the ring before it
  // (replayed when after lastId) or arrives after it (live), never both, never neither.
  private start(client: BridgeClient, { patterns, lastId, ref }: Frame<'subscribe'>): void {
    if (!this.clients.has(client)) return;
    const held = [...client.patterns];
    for (const pattern of patterns) {
      if (client.patterns.has(pattern)) continue;
      client.patterns.add(pattern);
      this.subscriptions.add(pattern, client);
    }
    const missed = lastId === undefined ? [] : this.ring.after(lastId);
    let replayed = 0;
    for (const entry of missed ?? []) {
      // Events of patterns held before came live already.
      if (!coveredByAny(patterns, entry.topic) || coveredByAny(held, entry.topic)) continue;
      if (!this.send(client, entry.frame)) return;
      replayed += 1;
    }
    this.reply(client, { type: 'subscribed', ref, patterns, replayed, gap: missed === undefined });
  }

  private unsubscribe(client: BridgeClient, { patterns, ref }: Frame<'unsubscribe'>): void {
    const dropped = (patterns ?? [...client.patterns]).filter((pattern) => client.patterns.delete(pattern));
    for (const pattern of dropped) this.subscriptions.remove(pattern, client);
    this.reply(client, { type: 'unsubscribed', ref, patterns: dropped });
  }

  private publish(client: BridgeClient, { topic, payload, ref }: Frame<'publish'>): void | Promise<void> {
    if (!this.access.canPublish(topic)) {
      return this.reply(client, refused(ref, 'FORBIDDEN', `Not allowed to publish to ${topic}`, 'publish'));
    }
    const data = { op: 'publish' as const, topic, payload, request: client.request };
    return then(this.access.allows(client.socket, data, this.publish), (allowed) => {
      if (!allowed) return this.reply(client, refused(ref, 'FORBIDDEN', `The guard refused ${topic}`, 'publish'));
      return this.bus.publish(topic, payload ?? null, { origin: 'external' }).then(
        () => this.reply(client, { type: 'published', ref, topic }),
        (error: unknown) => this.reply(client, this.publishFailure(error, ref, topic)),
      );
    });
  }

  private publishFailure(error: unknown, ref: FrameRef | undefined, topic: string): ServerFrame {
    if (error instanceof MessageBusError && PUBLISH_ERROR_CODES.has(error.code)) {
      return refused(ref, error.code as BridgeErrorCode, error.message, 'publish');
    }
    this.logger.error(`Publishing ${topic} for a WebSocket client failed: ${toError(error).message}`, toError(error).stack);
    return refused(ref, 'PUBLISH_FAILED', `Publishing ${topic} failed`, 'publish');
  }

  /** The bus handler: one encoding per event, kept for catch-up, sent to every subscriber. */
  private receive(envelope: Envelope): void {
    if (this.closed) return;
    let frame: Buffer;
    try {
      frame = encodeEvent(envelope);
    } catch (error) {
      this.logger.warn(`${envelope.topic} ${envelope.id} is not JSON-serialisable, not sent to clients: ${toError(error).message}`);
      return;
    }
    this.ring.add(envelope.id, envelope.topic, frame);
    this.fanOut(envelope.topic, frame);
  }

  private fanOut(topic: string, frame: Buffer): number {
    let sent = 0;
    for (const client of this.subscriptions.match(topic)) if (this.send(client, frame)) sent += 1;
    return sent;
  }

  private reply(client: BridgeClient, frame: ServerFrame): void {
    this.send(client, encode(frame));
  }

  /** Sends, or cuts off a client that stopped reading; false when nothing was sent. */
  private send(client: BridgeClient, frame: Buffer): boolean {
    if (!client.open) return false;
    if (client.send(frame)) return true;
    this.logger.warn(`Disconnecting a WebSocket client that is not reading: over ${this.settings.maxBufferedBytes} bytes unsent`);
    this.disconnect(client, BridgeCloseCode.SLOW_CLIENT, 'Too slow: send buffer full');
    return false;
  }

  // A client that missed the previous ping is gone (network down, tab frozen): ws's terminate
  // drops it without waiting for a closing handshake it would never answer.
  private ping(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        this.forget(client);
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  private disconnect(client: BridgeClient, code: number, reason: string): void {
    this.forget(client);
    client.socket.close(code, reason);
  }

  private forget(client: BridgeClient): void {
    if (!this.clients.delete(client)) return;
    for (const pattern of client.patterns) this.subscriptions.remove(pattern, client);
    client.patterns.clear();
  }
}

/** Continues synchronously with a synchronous value, so unguarded frames never wait a tick. */
function then<T, R>(value: T | Promise<T>, next: (value: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
