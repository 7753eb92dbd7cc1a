import type { AddressInfo } from 'node:net';
import type { DynamicModule, INestApplication, Provider, Type } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { MessageBus, MessageBusModule, type BusOptions, type Transport } from 'nestjs-message-bus';
import { MessageBusBridge, MessageBusBridgeModule, type MessageBusBridgeModuleOptions } from 'nestjs-message-bus/websocket';
import type { ClientOptions } from 'ws';
import { CollectingLogger } from '../../support/bus-app.js';
import { TestClient } from './ws-test-client.js';

export interface BridgeAppSetup {
  /** The bridge's options, or the module itself (from `forRootAsync`). */
  bridge: MessageBusBridgeModuleOptions | DynamicModule;
  /** Memory by default. */
  transport?: Transport | string;
  bus?: BusOptions;
  providers?: Provider[];
  imports?: (Type<unknown> | DynamicModule)[];
}

/** A Nest application with the bus and the WebSocket bridge, listening on a free local port. */
export interface BridgeApp {
  app: INestApplication;
  bus: MessageBus;
  bridge: MessageBusBridge;
  logger: CollectingLogger;
  /** `ws://127.0.0.1:<port><path>` */
  url: string;
  /** Connects a client that the app closes with itself. */
  connect(options?: ClientOptions & { query?: string }): Promise<TestClient>;
  close(): Promise<void>;
}

export async function startBridgeApp(setup: BridgeAppSetup): Promise<BridgeApp> {
  const logger = new CollectingLogger();
  const module = await Test.createTestingModule({
    imports: [
      MessageBusModule.forRoot(setup.transport ?? 'memory://', setup.bus),
      'module' in setup.bridge ? setup.bridge : MessageBusBridgeModule.forRoot(setup.bridge),
      ...(setup.imports ?? []),
    ],
    providers: setup.providers ?? [],
  })
    .setLogger(logger)
    .compile();
  const app = module.createNestApplication({ logger });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const bridge = app.get(MessageBusBridge);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `ws://127.0.0.1:${port}${bridge.path}`;
  const clients: TestClient[] = [];
  return {
    app,
    bus: app.get(MessageBus),
    bridge,
    logger,
    url,
    async connect({ query, ...options } = {}) {
      const client = await TestClient.connect(query ? `${url}?${query}` : url, options);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await app.close();
    },
  };
}
