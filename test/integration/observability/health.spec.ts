import { Injectable } from '@nestjs/common';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CommandHandler,
  MemoryTransport,
  MessageBus,
  TransportUnresponsiveError,
  UnrecoverableError,
  type Transport,
} from 'nestjs-message-bus';
import type { TransportConnection } from 'nestjs-message-bus/transport';
import { MessageBusHealthIndicator } from 'nestjs-message-bus/health';
import { until } from '../../support/bus-app.js';
import { healthOptions, startHealthApp } from './health-app.js';

@Injectable()
class Failing {
  @CommandHandler('health.fail')
  fail() {
    throw new UnrecoverableError('no');
  }
}

/** The memory transport, with a ping that never answers: a broker that stopped responding. */
class UnresponsiveTransport implements Transport {
  readonly name = 'memory';
  private readonly inner = new MemoryTransport();
  async connect(context: Parameters<Transport['connect']>[0]): Promise<TransportConnection> {
    const connection = await this.inner.connect(context);
    return Object.assign(Object.create(connection) as TransportConnection, { ping: () => new Promise<number>(() => undefined) });
  }
}

describe('MessageBusHealthIndicator', () => {
  const apps: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    healthOptions.current = {};
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('is up on a live transport, with details', async () => {
    const app = await startHealthApp('memory://', [Failing]);
    apps.push(app);
    const { body } = await request(app.getHttpServer()).get('/health').expect(200);
    expect(body).toMatchObject({
      status: 'ok',
      info: { bus: { status: 'up', transport: 'memory', connected: true, latencyMs: 0, deadLetters: 0, queued: 0, inFlight: 0 } },
    });
  });

  it('is down when a threshold is exceeded', async () => {
    const app = await startHealthApp('memory://', [Failing]);
    apps.push(app);
    const bus = app.get(MessageBus);
    await bus.send('health.fail', {});
    await until(async () => (await bus.deadLetters.count()) === 1);
    healthOptions.current = { maxDeadLetters: 0 };
    const { body } = await request(app.getHttpServer()).get('/health').expect(503);
    expect(body.error.bus).toMatchObject({ status: 'down', deadLetters: 1, reason: '1 dead letters exceed 0' });
  });

  it('answers down within its timeout when the transport does not answer', async () => {
    const app = await startHealthApp(new UnresponsiveTransport());
    apps.push(app);
    healthOptions.current = { timeoutMs: 100 };
    const began = performance.now();
    const { body } = await request(app.getHttpServer()).get('/health').expect(503);
    expect(performance.now() - began).toBeLessThan(1000);
    expect(body.error.bus).toMatchObject({ status: 'down', connected: false, reason: 'no answer from the transport within 100 ms' });
  });

  it('is down once shutdown began', async () => {
    const app = await startHealthApp('memory://', [Failing]);
    const indicator = app.get(MessageBusHealthIndicator);
    await app.close();
    expect(await indicator.isHealthy('bus')).toMatchObject({ bus: { status: 'down', reason: expect.stringMatching(/not running/) } });
  });
});

describe('the bus read API (what health, admin and metrics read)', () => {
  const apps: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('names the instance and transport, lists handlers with their sessions, and probes', async () => {
    const app = await startHealthApp('memory://', [Failing]);
    apps.push(app);
    const bus = app.get(MessageBus);
    expect(bus.transportName).toBe('memory');
    expect(bus.instanceId).toMatch(/\S/);
    const session = bus.session('read-api');
    session.on('health.session', () => undefined);
    expect(bus.handlers()).toEqual([
      expect.objectContaining({ id: 'Failing.fail', kind: 'command', patterns: ['health.fail'], broadcast: false, circuit: null }),
      expect.objectContaining({ kind: 'event', patterns: ['health.session'], broadcast: true, sessionId: 'read-api' }),
    ]);
    expect(bus.handlers()[0]).not.toHaveProperty('sessionId');
    await expect(bus.probe()).resolves.toEqual({ running: true, latencyMs: 0, deadLetters: 0 });
    await session.close();
    expect(bus.handlers()).toHaveLength(1);
  });

  it('probe says not running after shutdown and rejects typed when the transport does not answer', async () => {
    const app = await startHealthApp(new UnresponsiveTransport());
    await expect(app.get(MessageBus).probe(50)).rejects.toBeInstanceOf(TransportUnresponsiveError);
    await expect(app.get(MessageBus).probe(50)).rejects.toMatchObject({ code: 'TRANSPORT_UNRESPONSIVE' });
    await app.close();
    await expect(app.get(MessageBus).probe()).resolves.toEqual({ running: false });
  });
});
