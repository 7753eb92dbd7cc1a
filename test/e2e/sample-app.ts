import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MessageBus } from 'nestjs-message-bus';
import { recordBus, type BusRecorder } from 'nestjs-message-bus/testing';
import request from 'supertest';
import { AppModule } from '../../sample/app.module.js';

/** The sample app, booted in-process as `npm start` would, without listening on a port. */
export interface SampleApp {
  app: INestApplication;
  /** supertest against the app's HTTP server. */
  http: ReturnType<typeof request>;
  /** Everything the app's bus publishes from boot on. */
  recorder: BusRecorder;
  bus: MessageBus;
  close(): Promise<void>;
}

export async function startSampleApp(): Promise<SampleApp> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  // Failing handlers are logged as warnings by design; keep the test output to real errors.
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  const bus = app.get(MessageBus);
  const recorder = recordBus(bus);
  return {
    app,
    http: request(app.getHttpServer()),
    recorder,
    bus,
    async close() {
      recorder.stop();
      await app.close();
    },
  };
}
