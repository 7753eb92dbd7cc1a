// F07: dead connections are detected and recovered. Every bus connection (two consumer
// processes, the sender) goes through a TCP proxy. (a) RST on every socket: back within 2 s.
// (b) A blackhole: sockets stay open, nothing passes. The loss shows (health down, the
// transport says so), no send resolves meanwhile, and once healed every send is handled
// exactly once by exactly the consumers there were, none subscribed twice.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageBusHealthIndicator, MessageBusHealthModule } from 'nestjs-message-bus/health';
import { brokerAvailable } from '../support/brokers.js';
import { until } from '../support/bus-app.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { rabbitmqctl } from '../integration/amqp/support/broker.js';
import { faultBrokers, type FaultBroker } from './support/fault-brokers.js';
import { useFaultRun } from './support/fault-run.js';

// AMQP heartbeats every 2 s: a dead peer shows after two missed, 4–6 s.
const HEARTBEAT_S = 2;
const BLACKHOLE_MS = 8_000;
const WARM_UP = 100;
const DURING = 40;
const AFTER = 500;

/**
 * How many consumers read each queue of the group (AMQP: the group queue, shared, and one queue
 * per instance), or how many reader connections each consumer of the group stream holds (Redis).
 */
async function groupConsumers(broker: FaultBroker, namespace: string): Promise<number[]> {
  if (broker.name === 'amqp') {
    const consumers = JSON.parse(await rabbitmqctl('list_consumers', '--formatter=json', '-q', 'queue_name')) as { queue_name: string }[];
    const perQueue = new Map<string, number>();
    for (const { queue_name: queue } of consumers) {
      if (queue.startsWith(`${namespace}.workers`)) perQueue.set(queue, (perQueue.get(queue) ?? 0) + 1);
    }
    return [...perQueue.values()].sort();
  }
  const redis = new Redis(broker.url);
  try {
    const consumers = (await redis.xinfo('CONSUMERS', `{${namespace}}:q:workers:5`, 'workers')) as unknown[][];
    const names = consumers.map((fields) => String(fields[fields.indexOf('name') + 1]));
    const clients = (await redis.client('LIST')) as string;
    return names.map((name) => clients.split('\n').filter((line) => line.includes(`name=bus:${name}:reader:workers `)).length);
  } finally {
    redis.disconnect();
  }
}

for (const broker of faultBrokers('f07')) {
  const available = await brokerAvailable(broker.name, broker.url);
  describe.skipIf(!available)(`F07 ${broker.name}: dead connections (RST, blackhole)`, () => {
    broker.setup();
    const fault = useFaultRun('F07', broker.name);
    afterAll(() => broker.cleanup());

    it('reconnects after a reset, detects a blackhole, and handles everything once after it', async () => {
      const { ledger, children, apps, child } = fault();
      const namespace = broker.namespace();
      const proxy = await TcpProxy.start(broker.url);
      try {
        const url = broker.name === 'amqp' ? `${proxy.url(broker.url)}?heartbeat=${HEARTBEAT_S}` : proxy.url(broker.url);
        const workers = await Promise.all(
          ['a', 'b'].map((name) => children.start(child(name, { url, namespace, serviceName: 'workers', concurrency: 50, visibilityTimeoutMs: 2_000 }))),
        );
        const sender = await apps.start({ transport: broker.transport(namespace, url), imports: [MessageBusHealthModule], options: { serviceName: 'sender' } });
        const healthy = async () => (await sender.get(MessageBusHealthIndicator).isHealthy('bus', { timeoutMs: 500 })).bus.status === 'up';
        const sendOne = async () => {
          const id = ledger.newId();
          await ledger.send(id, () => sender.bus.send('fault.work', { id }));
          return id;
        };
        const sendMany = (count: number) => Promise.all(Array.from({ length: count }, sendOne));
        await sendMany(WARM_UP);
        await until(() => ledger.allAcknowledgedHandled(), 10_000, 'the warm-up handled');

        // (a) RST: the first send after it that resolves and is handled.
        const resetAt = Date.now();
        proxy.reset();
        let resetRecoverMs: number | undefined;
        while (resetRecoverMs === undefined && Date.now() - resetAt < 15_000) {
          const id = await sendOne();
          if (ledger.acknowledged.has(id)) {
            await until(() => ledger.handledIds().has(id), 5_000, 'a send after the reset handled');
            resetRecoverMs = Date.now() - resetAt;
          }
        }

        // (b) Blackhole: sends start and wait; health goes down; the connection is taken for dead.
        const ackedBefore = ledger.acknowledged.size;
        proxy.blackhole();
        const blackholedAt = Date.now();
        const during: Promise<string>[] = [];
        let healthDownMs: number | undefined;
        while (Date.now() - blackholedAt < BLACKHOLE_MS) {
          if (during.length < DURING) for (let n = 0; n < DURING / 10; n++) during.push(sendOne());
          if (healthDownMs === undefined && !(await healthy())) healthDownMs = Date.now() - blackholedAt;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const resolvedDuring = ledger.acknowledged.size - ackedBefore;
        const lostLines = () =>
          [...workers.map((worker) => worker.logs), ...sender.logger.lines]
            .join('\n')
            .split('\n')
            .filter((line) => /Lost the connection|no answer from Redis/.test(line));
        const detected = lostLines().length;
        proxy.heal();
        const healedAt = Date.now();
        const duringIds = await Promise.all(during);
        await until(healthy, 15_000, 'health up after the blackhole');

        const after = await sendMany(AFTER);
        await until(() => ledger.allAcknowledgedHandled(), 30_000, 'every acknowledged send handled');
        const recoverMs = Date.now() - healedAt;
        // Steady: no consumer left over from before the reconnects, none doubled.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const consumers = await groupConsumers(broker, namespace);
        const handledAfter = ledger.handledLines().filter((line) => after.includes(line.id)).length;
        const figures = ledger.figures({
          recoverMs,
          notes:
            `RST: handled again after ${resetRecoverMs} ms; blackhole ${BLACKHOLE_MS} ms: health down after ${healthDownMs} ms, ` +
            `${detected} connection-lost lines, ${resolvedDuring} of ${duringIds.length} sends resolved during it; ` +
            `${handledAfter} handlings of ${AFTER} sends after it; consumers ${JSON.stringify(consumers)}`,
        });

        expect(figures).toMatchObject({ lost: 0, unexpected: 0, untypedRejections: 0 });
        expect(resetRecoverMs).toBeLessThan(3_000);
        expect(healthDownMs).toBeLessThan(3_000);
        expect(resolvedDuring).toBe(0);
        expect(detected).toBeGreaterThan(0);
        // Exactly once after healing, by the two consumers, each reading once.
        expect(handledAfter).toBe(AFTER);
        expect(consumers).toEqual(broker.name === 'amqp' ? [1, 1, 2] : [1, 1]);
      } finally {
        await proxy.cut();
      }
    });
  });
}
