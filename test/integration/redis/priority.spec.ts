import { Injectable } from '@nestjs/common';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EventHandler } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { AppTracker, deferred, until } from '../../support/bus-app.js';
import { RedisNamespaces } from './support/redis-namespaces.js';

const available = await brokerAvailable('Redis', REDIS_URL);

@Injectable()
class Backlog {
  readonly order: number[] = [];
  gate = deferred();
  @EventHandler('backlog.item')
  async take(payload: { priority: number }) {
    this.order.push(payload.priority);
    await this.gate.promise;
  }
}

describe.skipIf(!available)('redis: priorities', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());
  afterAll(() => namespaces.cleanup());

  it('serves a backlog waiting in Redis band by band, lowest first, in publish order within a band', async () => {
    // prefetch 1: the process holds one message, so the order comes from Redis, not the local queue.
    const transport = new RedisTransport({ url: REDIS_URL, prefix: namespaces.next(), prefetch: 1 });
    const app = await apps.start({ transport, providers: [Backlog], options: { concurrency: 1 } });
    const backlog = app.get(Backlog);
    await app.bus.publish('backlog.item', { priority: -1 });
    await until(() => backlog.order.length === 1);
    const priorities = [95, 42, 7, 99, 0, 55, 13, 42, 88, 3, 61, 70, 29, 9, 50, 34, 76, 18, 1, 64];
    for (const priority of priorities) await app.bus.publish('backlog.item', { priority }, { priority });
    backlog.gate.resolve();
    await until(() => backlog.order.length === priorities.length + 1);
    const band = (priority: number) => Math.floor(priority / 10);
    const expected = priorities
      .map((priority, index) => ({ priority, index }))
      .sort((a, b) => band(a.priority) - band(b.priority) || a.index - b.index)
      .map((entry) => entry.priority);
    expect(backlog.order.slice(1)).toEqual(expected);
  });

  it('with more bands per group, finer priorities are kept apart in Redis', async () => {
    const transport = new RedisTransport({ url: REDIS_URL, prefix: namespaces.next(), prefetch: 1, priorityBands: 100 });
    const app = await apps.start({ transport, providers: [Backlog], options: { concurrency: 1 } });
    const backlog = app.get(Backlog);
    await app.bus.publish('backlog.item', { priority: -1 });
    await until(() => backlog.order.length === 1);
    for (const priority of [9, 5, 7, 1, 3]) await app.bus.publish('backlog.item', { priority }, { priority });
    backlog.gate.resolve();
    await until(() => backlog.order.length === 6);
    expect(backlog.order.slice(1)).toEqual([1, 3, 5, 7, 9]);
  });
});
