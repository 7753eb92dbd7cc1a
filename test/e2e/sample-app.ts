import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import { MessageBus } from 'nestjs-message-bus';
import { recordBus, type BusRecorder } from 'nestjs-message-bus/testing';
import request from 'supertest';
import { AppModule } from '../../sample/app.module.js';

/** The sample app, booted in-process as `npm start` would (on a free local port when `listen`). */
export interface SampleApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` when listening. */
  url?: string;
  /** supertest against the app's HTTP server. */
  http: ReturnType<typeof request>;
  /** Everything the app's bus publishes from boot on. */
  recorder: BusRecorder;
  bus: MessageBus;
  close(): Promise<void>;
}

export async function startSampleApp({ listen = false } = {}): Promise<SampleApp> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  // Failing handlers are logged as warnings by design; keep the test output to real errors.
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  app.useWebSocketAdapter(new WsAdapter(app));
  if (listen) await app.listen(0, '127.0.0.1');
  else await app.init();
  const url = listen ? `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` : undefined;
  const bus = app.get(MessageBus);
  const recorder = recordBus(bus);
  return {
    app,
    url,
    http: request(app.getHttpServer()),
    recorder,
    bus,
    async close() {
      recorder.stop();
      await app.close();
    },
  };
}
