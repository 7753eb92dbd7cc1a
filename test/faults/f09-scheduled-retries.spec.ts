// F09: retries waiting for their backoff survive every bus process dying and a broker restart:
// kept in Redis's delayed set (append-only file, fsync always) or in RabbitMQ's durable delay
// queues. Two fresh instances then race to promote them: each runs once, at attempt 2, never
// before its backoff. Brokers of the test's own (a redis-server, a second RabbitMQ node), both
// killed with -9.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { RedisTransport } from 'nestjs-message-bus/redis';
import type { Transport } from 'nestjs-message-bus/transport';
import { until } from '../support/bus-app.js';
import { RabbitMqNode } from '../support/rabbitmq-node.js';
import { RedisServer, redisServerInstalled } from '../integration/redis/support/redis-server.js';
import type { FaultChild } from './support/fault-children.js';
import { useFaultRun } from './support/fault-run.js';

const MESSAGES = 200;
// Long enough to see every retry stored (rabbitmqctl takes seconds on a loaded machine) before it is due.
const BACKOFF_MS = 10_000;
const RETRY = { maxAttempts: 3, initialDelayMs: BACKOFF_MS, factor: 1 };

interface OwnBroker {
  url: string;
  transport(namespace: string): Transport;
  /** Retries stored in the broker (waiting for their backoff, or due and waiting for a consumer), and deliveries not acked. */
  retries(namespace: string): Promise<{ stored: number; unacked: number }>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

async function ownRedis(): Promise<OwnBroker> {
  const server = await RedisServer.start({ persistence: 'always', port: 16_406 });
  return {
    url: server.url,
    transport: (prefix) => new RedisTransport({ url: server.url, prefix }),
    retries: async (prefix) => {
      const redis = new Redis(server.url);
      const stream = `{${prefix}}:q:workers:5`;
      try {
        const [pending] = (await redis.xpending(stream, 'workers')) as [number];
        // Due retries promoted to the stream and not read yet: entries after the group's last delivered id.
        const [group] = (await redis.xinfo('GROUPS', stream)) as unknown[][];
        const lastDelivered = String(group[group.indexOf('last-delivered-id') + 1]);
        const unread = ((await redis.xrange(stream, `(${lastDelivered}`, '+')) as unknown[]).length;
        return { stored: (await redis.zcard(`{${prefix}}:delayed`)) + unread, unacked: pending };
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
  const node = await RabbitMqNode.start('f09');
  return {
    url: node.url,
    transport: (exchange) => new AmqpTransport({ url: node.url, exchange }),
    retries: async (exchange) => {
      const { stdout } = await promisify(execFile)('rabbitmqctl', ['-n', node.name, 'list_queues', '--formatter=json', '-q', 'name', 'messages_ready', 'messages_unacknowledged'], {
        timeout: 60_000,
      });
      const queues = (JSON.parse(stdout) as { name: string; messages_ready: number; messages_unacknowledged: number }[]).filter(
        (queue) => queue.name.startsWith(`${exchange}.delay.`) || queue.name === `${exchange}.workers`,
      );
      return {
        stored: queues.reduce((sum, queue) => sum + queue.messages_ready, 0),
        unacked: queues.reduce((sum, queue) => sum + queue.messages_unacknowledged, 0),
      };
    },
    restart: async () => {
      await node.kill();
      await node.resume();
    },
    dispose: () => node.dispose(),
  };
}

const installed = await redisServerInstalled();
const setups = [
  { name: 'redis', start: ownRedis, restart: 'kill -9 and restart on its append-only file' },
  { name: 'amqp', start: ownRabbitMq, restart: 'kill -9 of a second node and restart on its data' },
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
      // Every first attempt failed, its retry stored and then its original acked.
      await until(async () => {
        const { stored, unacked } = await broker.retries(namespace);
        return stored === MESSAGES && unacked === 0;
      }, BACKOFF_MS - 2_000, 'every retry stored and every original acked');

      // Every bus process dies, the consumers first (the sender has nothing to promote or deliver), then the broker restarts.
      await Promise.all(first.map((worker) => worker.kill()));
      await sender.close();
      const restartBegan = Date.now();
      await broker.restart();
      const restartMs = Date.now() - restartBegan;
      const { stored: storedAfterRestart } = await broker.retries(namespace);
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
        notes: `${MESSAGES} retries of ${BACKOFF_MS} ms; both consumers and the sender killed with every retry stored, broker ${setup.restart} (${restartMs} ms), ${storedAfterRestart} stored after it; 2 fresh instances; ${early} early`,
      });

      expect(figures).toMatchObject({ sent: MESSAGES, acknowledged: MESSAGES, handled: MESSAGES, lost: 0, unexpected: 0, duplicates: 0 });
      // All in the broker while no bus process runs (on RabbitMQ, by then expired into the group queue).
      expect(storedAfterRestart).toBe(MESSAGES);
      expect(retried.map((line) => line.attempt).filter((attempt) => attempt !== 2)).toEqual([]);
      expect(early).toBe(0);
      // The killed consumers ran none of the retries: the fresh instances did.
      expect(retried.filter((line) => first.some((worker) => worker.pid === line.pid)).length).toBe(0);
    });
  });
}
