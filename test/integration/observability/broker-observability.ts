import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from 'nestjs-message-bus';
import { MessageBus } from 'nestjs-message-bus';
import { AppTracker } from '../../support/bus-app.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { healthOptions, startHealthApp } from './health-app.js';
import { expectOneTrace, registerTracing, TracedChain } from './traced-chain.js';

/**
 * Health and tracing on a broker transport `name` (whose `messaging.system` is `system`).
 * `makeTransport(url)` builds an isolated transport to the broker at `url` (the broker's own
 * URL, or a proxy in front of it).
 */
export function brokerObservability(
  name: string,
  system: string,
  brokerUrl: string,
  makeTransport: (url: string) => Transport,
): void {
  describe(`observability on ${name}`, () => {
    const apps: INestApplication[] = [];
    afterEach(async () => {
      healthOptions.current = {};
      await Promise.all(apps.splice(0).map((app) => app.close()));
    });

    it('health is up while the broker answers, down within its timeout once it is cut off, up again after', async () => {
      const proxy = await TcpProxy.start(brokerUrl);
      try {
        const app = await startHealthApp(makeTransport(proxy.url(brokerUrl)));
        apps.push(app);
        healthOptions.current = { timeoutMs: 300 };
        const up = await request(app.getHttpServer()).get('/health').expect(200);
        expect(up.body.info.bus).toMatchObject({ status: 'up', transport: name, connected: true, deadLetters: 0 });
        await proxy.cut();
        const began = performance.now();
        const down = await request(app.getHttpServer()).get('/health').expect(503);
        expect(performance.now() - began).toBeLessThan(2000);
        expect(down.body.error.bus).toMatchObject({ status: 'down', connected: false });
        await proxy.restore();
        const deadline = Date.now() + 15_000;
        let status = 503;
        while (status !== 200 && Date.now() < deadline) {
          status = (await request(app.getHttpServer()).get('/health')).status;
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(status).toBe(200);
      } finally {
        await proxy.cut();
      }
    });

    describe('tracing', () => {
      const tracked = new AppTracker();
      let tracing: ReturnType<typeof registerTracing>;
      beforeAll(() => {
        tracing = registerTracing();
      });
      afterAll(async () => {
        await tracked.closeAll();
        tracing.unregister();
      });

      it('shows one trace across command -> event -> query, the context travelling in message headers', async () => {
        const app = await tracked.start({ transport: makeTransport(brokerUrl), providers: [TracedChain] });
        await expectOneTrace(app.module.get(MessageBus), app.get(TracedChain), tracing.exporter, system);
      });
    });
  });
}
