import { EventEmitter } from 'node:events';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AbstractWsAdapter } from '@nestjs/websockets';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError, InvalidPatternError, MessageBusModule } from 'nestjs-message-bus';
import { recordBus } from 'nestjs-message-bus/testing';
import { MessageBusBridgeModule, WebSocketAdapterError } from 'nestjs-message-bus/websocket';
import { CollectingLogger } from '../../support/bus-app.js';
import { startBridgeApp, type BridgeApp } from './bridge-app.js';

@Injectable()
class BridgeConfig {
  readonly patterns = ['Config.*'];
}

@Module({ providers: [BridgeConfig], exports: [BridgeConfig] })
class ConfigModule {}

/** Stands in for another WebSocket adapter (socket.io, say). */
class OtherAdapter extends AbstractWsAdapter {
  create(): EventEmitter {
    return new EventEmitter();
  }
  bindMessageHandlers(): void {}
  override async close(): Promise<void> {}
}

describe('MessageBusBridgeModule', () => {
  let bridgeApp: BridgeApp;

  afterEach(async () => {
    await bridgeApp?.close();
  });

  it('listens on /bus-events by default', async () => {
    bridgeApp = await startBridgeApp({ bridge: { allow: { subscribe: ['TTS.*'] } } });

    expect(bridgeApp.url).toMatch(/\/bus-events$/);
    expect(await (await bridgeApp.connect()).subscribe(['TTS.*'])).toMatchObject({ type: 'subscribed' });
  });

  it('takes its options from forRootAsync, the path beside the factory', async () => {
    bridgeApp = await startBridgeApp({
      bridge: MessageBusBridgeModule.forRootAsync({
        path: 'from-config',
        imports: [ConfigModule],
        inject: [BridgeConfig],
        useFactory: (config: BridgeConfig) => ({ allow: { subscribe: config.patterns }, pingIntervalMs: false }),
      }),
    });
    const client = await bridgeApp.connect();

    expect(bridgeApp.url).toMatch(/\/from-config$/);
    expect(await client.subscribe(['Config.Changed'])).toMatchObject({ type: 'subscribed' });
  });

  it('pushes frames of its own to this instance’s clients, without the bus', async () => {
    bridgeApp = await startBridgeApp({ bridge: { allow: { subscribe: ['Local.#'] }, pingIntervalMs: false } });
    const recorder = recordBus(bridgeApp.bus);
    const client = await bridgeApp.connect();
    await client.subscribe(['Local.#']);

    expect(bridgeApp.bridge.hasSubscribers('Local.Note')).toBe(true);
    expect(bridgeApp.bridge.hasSubscribers('Other.Note')).toBe(false);
    expect(bridgeApp.bridge.push('Local.Note', { text: 'hi' })).toBe(1);

    const frame = await client.next('event');
    expect(frame).toEqual({ type: 'event', topic: 'Local.Note', payload: { text: 'hi' }, id: expect.any(String), correlationId: frame.id, timestamp: expect.any(Number) });
    expect(recorder.published()).toEqual([]);
    expect(() => bridgeApp.bridge.push('Bad..Topic', {})).toThrow(/Invalid topic/);
    recorder.stop();
  });

  it('refuses invalid options at bootstrap', async () => {
    await expect(startBridgeApp({ bridge: { allow: { subscribe: ['TTS..*'] } } })).rejects.toBeInstanceOf(InvalidPatternError);
    await expect(startBridgeApp({ bridge: { allow: { publish: ['TTS.*'] }, maxBufferedBytes: -1 } })).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(startBridgeApp({ bridge: {} as never })).rejects.toBeInstanceOf(InvalidOptionsError);
    expect(() => MessageBusBridgeModule.forRoot({ path: 'has spaces', allow: {} })).toThrow(InvalidOptionsError);
  });

  it('fails bootstrap with WebSocketAdapterError on another WebSocket adapter', async () => {
    const logger = new CollectingLogger();
    const module = await Test.createTestingModule({
      imports: [MessageBusModule.forRoot('memory://'), MessageBusBridgeModule.forRoot({ allow: { subscribe: ['TTS.*'] } })],
    })
      .setLogger(logger)
      .compile();
    const app = module.createNestApplication({ logger });
    app.useWebSocketAdapter(new OtherAdapter(app));

    await expect(app.init()).rejects.toBeInstanceOf(WebSocketAdapterError);
    await app.close();
  });
});
