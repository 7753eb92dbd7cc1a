import { Injectable } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { EventHandler, type MessageContext } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { deferred, until, type BusApp } from '../../support/bus-app.js';
import { useRedisFixture } from './support/redis-fixture.js';
import { deleteKeys } from './support/redis-namespaces.js';

const available = await brokerAvailable('Redis', REDIS_URL);
// Redis keeps a stream in nodes of up to 100 entries (stream-node-max-entries) and approximate
// trimming drops whole nodes: a trimmed stream keeps less than two nodes.
const TRIMMED = 200;

@Injectable()
class Sink {
  handled = 0;
  gate = deferred();
  @EventHandler('sink.item')
  async take(payload: { hold?: boolean }) {
    if (payload.hold) await this.gate.promise;
    this.handled += 1;
  }
  @EventHandler('sink.fail', { retry: { maxAttempts: 1 } })
  fail(_: unknown, context: MessageContext) {
    throw new Error(`failing ${context.topic}`);
  }
}

describe.skipIf(!available)('redis: bounded memory', () => {
  const { namespaces, apps, redis } = useRedisFixture();

  const publishMany = async (app: BusApp, count: number) => {
    for (let sent = 0; sent < count; sent += 100) {
      await Promise.all(Array.from({ length: Math.min(100, count - sent) }, () => app.bus.publish('sink.item', {})));
    }
  };

  it('trims what the group acknowledged, and never an entry still pending', async () => {
    const prefix = namespaces.next();
    const transport = new RedisTransport({ url: REDIS_URL, prefix, visibilityTimeoutMs: 300 });
    const app = await apps.start({ transport, providers: [Sink], options: { concurrency: 2 } });
    const sink = app.get(Sink);
    const stream = `{${prefix}}:q:app:5`;

    await app.bus.publish('sink.item', { hold: true });
    await publishMany(app, 1_500);
    await until(() => sink.handled === 1_500, 10_000);
    // Maintenance runs every 100 ms here; the held entry is the oldest, so nothing can go.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await redis.xlen(stream)).toBe(1_501);

    sink.gate.resolve();
    await until(() => sink.handled === 1_501);
    await until(async () => (await redis.xlen(stream)) < TRIMMED, 3_000, 'the trim');
    expect(await redis.xpending(stream, 'app')).toEqual([0, null, null, null]);
  });

  it('keeps every key under the prefix and its hash tag, so one Redis Cluster slot holds them all', async () => {
    const tag = namespaces.next();
    const prefix = `tenant:{${tag}}`;
    try {
      const transport = new RedisTransport({ url: REDIS_URL, prefix });
      const app = await apps.start({ transport, providers: [Sink], options: { serviceName: 'svc' } });
      await app.bus.publish('sink.item', {}, { delayMs: 60_000 });
      await app.bus.publish('sink.fail', {});
      await until(async () => (await app.bus.deadLetters.count()) === 1);
      const keys = await redis.keys(`*${tag}*`);
      expect(keys.length).toBeGreaterThan(5);
      expect(keys.every((key) => key.startsWith(`${prefix}:`))).toBe(true);
      expect(keys).toEqual(expect.arrayContaining([`${prefix}:bindings`, `${prefix}:dead`, `${prefix}:delayed`, `${prefix}:q:svc:0`]));
    } finally {
      await apps.closeAll();
      await deleteKeys(redis, `*${tag}*`);
    }
  });
});
