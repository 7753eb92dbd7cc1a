// F09: retries waiting for their backoff survive every bus process dying and a broker restart:
// kept in Redis's delayed set (append-only file, fsync always) or in RabbitMQ's durable delay
// queues. Two fresh instances then race to promote them: each runs once, at attempt 2, never
// before its backoff. Brokers of the test's own (a redis-server, a second RabbitMQ node).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { RedisTransport } from 'nestjs-message-bus/redis';
import type { Transport } from 'nestjs-message-bus/transport';
import { until } from '../support/bus-app.js';
import { RedisServer, redisServerInstalled } from '../integration/redis/support/redis-server.js';
import type { FaultChild } from './support/fault-children.js';
import { useFaultRun } from './support/fault-run.js';
import { RabbitMqNode } from './support/rabbitmq-node.js';

const MESSAGES = 200;
const BACKOFF_MS = 5_000;
const RETRY = { maxAttempts: 3, initialDelayMs: BACKOFF_MS, factor: 1 };

interface OwnBroker {
  url: string;
  transport(namespace: string): Transport;
  /** Retries stored in the broker: waiting for their backoff, or due and waiting for a consumer. */
  waitingRetries(namespace: string): Promise<number>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

async function ownRedis(): Promise<OwnBroker> {
  const server = await RedisServer.start({ persistence: 'always', port: 16_406 });
  return {
    url: server.url,
    transport: (prefix) => new RedisTransport({ url: server.url, prefix }),
    waitingRetries: async (prefix) => {
      const redis = new Redis(server.url);
      try {
        return (await redis.zcard(`{${prefix}}:delayed`)) + (await redis.xlen(`{${prefix}}:q:workers:5`));
      } finally {
        redis.disconnect();
      }
    },
    restart: async () => {
      await server.stop('SIGKILL');
      await server.resume();
    },
    dispose: () => server.dispose(),
  };
}

async function ownRabbitMq(): Promise<OwnBroker> {
  const node = await RabbitMqNode.start({ name: 'bus-fault-f09', port: 16_410 });
  return {
    url: node.url,
    transport: (exchange) => new AmqpTransport({ url: node.url, exchange }),
    waitingRetries: async (exchange) => {
      const queues = JSON.parse(await node.ctl('list_queues', '--formatter=json', '-q', 'name', 'messages')) as { name: string; messages: number }[];
      const holding = (name: string) => name.startsWith(`${exchange}.delay.`) || name === `${exchange}.workers`;
      return queues.filter((queue) => holding(queue.name)).reduce((sum, queue) => sum + queue.messages, 0);
    },
    restart: () => node.restart(),
    dispose: () => node.dispose(),
  };
}

const installed = await redisServerInstalled();
const setups = [
  { name: 'redis', start: ownRedis, restart: 'kill -9 and restart on its append-only file' },
  { name: 'amqp', start: ownRabbitMq, restart: 'stop_app, start_app' },
] as const;

for (const setup of setups) {
  describe.skipIf(setup.name === 'redis' && !installed)(`F09 ${setup.name}: scheduled retries across every process dying and a broker restart`, () => {
    let broker: OwnBroker;
    beforeAll(async () => {
      broker = await setup.start();
    }, 150_000);
    afterAll(() => broker?.dispose(), 60_000);
    const fault = useFaultRun('F09', setup.name);

    it(`runs each of ${MESSAGES} retries once, at attempt 2, not before its ${BACKOFF_MS} ms backoff`, async () => {
      const { ledger, children, apps, child } = fault();
      const namespace = `f09-${Date.now().toString(36)}`;
      const workers = (names: string[]) =>
        Promise.all(names.map((name) => children.start(child(name, { url: broker.url, namespace, serviceName: 'workers', concurrency: 250, prefetch: 250, visibilityTimeoutMs: 2_000, retry: RETRY }))));
      const first: FaultChild[] = await workers(['a', 'b']);
      const sender = await apps.start({ transport: broker.transport(namespace), options: { serviceName: 'sender' } });
      const ids = Array.from({ length: MESSAGES }, () => ledger.newId());
      await Promise.all(ids.map((id) => ledger.send(id, () => sender.bus.send('fault.work', { id, failAttempts: 1 }))));
      // Every first attempt failed; a moment for the last retries to be stored (each before its original's ack).
      await until(() => ledger.lines().length === MESSAGES, 10_000, 'every first attempt failed');
      await new Promise((resolve) => setTimeout(resolve, 500));

      // Every bus process dies, the consumers first (the sender has nothing to promote or deliver), then the broker restarts.
      await Promise.all(first.map((worker) => worker.kill()));
      await sender.close();
      const stored = await broker.waitingRetries(namespace);
      const restartBegan = Date.now();
      await broker.restart();
      const restartMs = Date.now() - restartBegan;
      const storedAfterRestart = await broker.waitingRetries(namespace);
      // Two fresh instances: two promoters race for the same due retries.
      await workers(['c', 'd']);
      await until(() => ledger.allAcknowledgedHandled(), 30_000, 'every retry handled');
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      const lines = ledger.lines();
      const failedAt = new Map(lines.filter((line) => line.attempt === 1).map((line) => [line.id, line.at]));
      const retried = ledger.handledLines();
      const early = retried.filter((line) => line.at - (failedAt.get(line.id) as number) < BACKOFF_MS).length;
      const figures = ledger.figures({
        recoverMs: Math.max(...retried.map((line) => line.at)) - restartBegan,
        notes: `${MESSAGES} retries of ${BACKOFF_MS} ms; both consumers and the sender killed with ${stored} retries stored, broker ${setup.restart} (${restartMs} ms), ${storedAfterRestart} stored after it; 2 fresh instances; ${early} early`,
      });

      expect(figures).toMatchObject({ sent: MESSAGES, acknowledged: MESSAGES, handled: MESSAGES, lost: 0, unexpected: 0, duplicates: 0 });
      // All in the broker while no bus process runs (on RabbitMQ, by then expired into the group queue).
      expect(storedAfterRestart).toBe(MESSAGES);
      expect(retried.every((line) => line.attempt === 2)).toBe(true);
      expect(early).toBe(0);
      // The killed consumers ran nothing of the retries: they ran on the fresh instances only.
      expect(retried.every((line) => !first.some((worker) => worker.pid === line.pid))).toBe(true);
    });
  });
}
