// F19: SIGTERM on a consumer process (`enableShutdownHooks()`, so `app.close()`) while its handlers
// run. Pass: no delivery starts in it after the signal; what it runs is finished and acked, so a
// replica started afterwards gets none of it, only what the broker still held; lost 0. Variants: a
// drain that exceeds `drainTimeoutMs` leaves its messages to the replica (RabbitMQ requeues them
// when the channel closes, Redis once `visibilityTimeoutMs` passed), and a connection cut during
// the drain does not make the draining process consume again. Concurrency equals prefetch, so
// every message the process took is running: a handler starting after the signal would be a
// delivery after it.
import { afterAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { RedisTransport } from 'nestjs-message-bus/redis';
import type { Transport } from 'nestjs-message-bus/transport';
import { brokerAvailable } from '../support/brokers.js';
import { until } from '../support/bus-app.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { faultBrokers, type FaultBroker } from './support/fault-brokers.js';
import type { FaultChild } from './support/fault-children.js';
import { useFaultRun, type FaultRun } from './support/fault-run.js';

const VISIBILITY_MS = 2_000;

interface Shutdown {
  /** Messages sent; the first `inFlight` are running in the doomed process when it gets SIGTERM. */
  messages: number;
  inFlight: number;
  handlerMs: number;
  drainTimeoutMs?: number;
  /** Ms after the signal at which every connection of the doomed process is reset (RST). */
  cutAfterMs?: number;
}

interface ShutdownOutcome {
  doomedIds: Set<string>;
  startedAfterSignal: number;
  exitMs: number;
  signalledAt: number;
}

// The replica's transport: on Redis it takes over what stayed pending once VISIBILITY_MS passed.
function replicaTransport(broker: FaultBroker, namespace: string): Transport {
  return broker.name === 'redis'
    ? new RedisTransport({ url: broker.url, prefix: namespace, visibilityTimeoutMs: VISIBILITY_MS })
    : new AmqpTransport({ url: broker.url, exchange: namespace });
}

async function exitWithin(child: FaultChild, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running ${ms} ms after SIGTERM:\n${child.logs}`)), ms)));
  try {
    await Promise.race([child.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends, signals the doomed child once `inFlight` handlers run in it, and waits for it to exit. */
async function signalMidBatch(run: FaultRun, broker: FaultBroker, namespace: string, shutdown: Shutdown): Promise<ShutdownOutcome> {
  const { ledger, children, apps, child } = run;
  const proxy = shutdown.cutAfterMs === undefined ? undefined : await TcpProxy.start(broker.url);
  try {
    const doomed = await children.start(
      child('doomed', {
        url: proxy ? proxy.url(broker.url) : broker.url,
        namespace,
        serviceName: 'workers',
        concurrency: shutdown.inFlight,
        prefetch: shutdown.inFlight,
        visibilityTimeoutMs: VISIBILITY_MS,
        drainTimeoutMs: shutdown.drainTimeoutMs,
      }),
    );
    const sender = await apps.start({ transport: broker.transport(namespace), options: { serviceName: 'sender' } });
    const ids = Array.from({ length: shutdown.messages }, () => ledger.newId());
    await Promise.all(ids.map((id) => ledger.send(id, () => sender.bus.send('fault.work', { id, sleepMs: shutdown.handlerMs }))));
    const startedIn = () => ledger.lines().filter((line) => line.pid === doomed.pid && !line.done);
    await until(() => startedIn().length >= shutdown.inFlight, 30_000, `${shutdown.inFlight} handlers running in the doomed consumer`);

    const signalledAt = Date.now();
    const exited = doomed.kill('SIGTERM');
    if (proxy && shutdown.cutAfterMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, shutdown.cutAfterMs));
      proxy.reset();
    }
    await exitWithin(doomed, shutdown.handlerMs + 2 * (shutdown.drainTimeoutMs ?? 10_000));
    await exited;
    const exitMs = Date.now() - signalledAt;
    const started = startedIn();
    return {
      doomedIds: new Set(started.map((line) => line.id)),
      startedAfterSignal: started.filter((line) => line.at > signalledAt).length,
      exitMs,
      signalledAt,
    };
  } finally {
    await proxy?.cut();
  }
}

for (const broker of faultBrokers('f19')) {
  const available = await brokerAvailable(broker.name, broker.url);
  describe.skipIf(!available)(`F19 ${broker.name}: SIGTERM while handlers run`, () => {
    broker.setup();
    afterAll(() => broker.cleanup());
    const fault = useFaultRun('F19', broker.name);

    it('finishes and acks what runs, takes nothing after the signal; a replica gets only what the broker held', async () => {
      const run = fault();
      const { ledger, apps, handlers } = run;
      const namespace = broker.namespace();
      const shutdown = { messages: 300, inFlight: 200, handlerMs: 2_000 };
      const { doomedIds, startedAfterSignal, exitMs, signalledAt } = await signalMidBatch(run, broker, namespace, shutdown);
      const finishedBeforeExit = ledger.handledLines().filter((line) => doomedIds.has(line.id)).length;

      const replicaAt = Date.now();
      await apps.start({ transport: replicaTransport(broker, namespace), providers: handlers('replica', 'workers'), options: { serviceName: 'workers' } });
      await until(() => ledger.allAcknowledgedHandled(), 30_000, 'the rest handled by the replica');
      // A drained message the broker still thought pending would reach the replica by now.
      await new Promise((resolve) => setTimeout(resolve, VISIBILITY_MS + 2_000));
      const replicaGotDrained = new Set(ledger.lines().filter((line) => line.instance === 'replica' && doomedIds.has(line.id)).map((line) => line.id)).size;
      const figures = ledger.figures({
        recoverMs: ledger.firstHandledAfter(replicaAt),
        notes:
          `SIGTERM with ${doomedIds.size} of ${shutdown.messages} handlers of ${shutdown.handlerMs} ms running: exited after ${exitMs} ms, ` +
          `${finishedBeforeExit} finished, ${startedAfterSignal} started after the signal; the replica got ${replicaGotDrained} of them ` +
          `and the ${shutdown.messages - doomedIds.size} the broker held (signal at ${new Date(signalledAt).toISOString()})`,
      });

      expect(doomedIds.size).toBe(shutdown.inFlight);
      expect(startedAfterSignal).toBe(0);
      expect(finishedBeforeExit).toBe(shutdown.inFlight);
      expect(replicaGotDrained).toBe(0);
      expect(figures).toMatchObject({ sent: shutdown.messages, acknowledged: shutdown.messages, handled: shutdown.messages, lost: 0, duplicates: 0, unexpected: 0 });
    }, 120_000);

    it('leaves what outlasts drainTimeoutMs to the replica, at attempt 2', async () => {
      const run = fault();
      const { ledger, apps, handlers } = run;
      const namespace = broker.namespace();
      const shutdown = { messages: 50, inFlight: 50, handlerMs: 4_000, drainTimeoutMs: 1_000 };
      const { doomedIds, startedAfterSignal, exitMs } = await signalMidBatch(run, broker, namespace, shutdown);
      const finishedBeforeExit = ledger.handledLines().filter((line) => doomedIds.has(line.id)).length;

      const replicaAt = Date.now();
      await apps.start({ transport: replicaTransport(broker, namespace), providers: handlers('replica', 'workers'), options: { serviceName: 'workers' } });
      await until(() => ledger.allAcknowledgedHandled(), 30_000, 'the abandoned messages handled by the replica');
      const replicaLines = ledger.handledLines().filter((line) => line.instance === 'replica');
      const figures = ledger.figures({
        recoverMs: ledger.firstHandledAfter(replicaAt),
        notes:
          `SIGTERM with ${shutdown.inFlight} handlers of ${shutdown.handlerMs} ms running, drainTimeoutMs ${shutdown.drainTimeoutMs}: ` +
          `exited after ${exitMs} ms with ${finishedBeforeExit} finished; the replica handled ${replicaLines.length}, ` +
          `attempts ${[...new Set(replicaLines.map((line) => line.attempt))].join('/')}` +
          (broker.name === 'redis' ? ` (visibilityTimeoutMs ${VISIBILITY_MS})` : ' (requeued on channel close)'),
      });

      expect(startedAfterSignal).toBe(0);
      expect(exitMs).toBeLessThan(shutdown.handlerMs);
      expect(finishedBeforeExit).toBe(0);
      expect(replicaLines.every((line) => line.attempt === 2)).toBe(true);
      expect(figures).toMatchObject({ sent: shutdown.messages, acknowledged: shutdown.messages, handled: shutdown.messages, lost: 0, duplicates: 0, unexpected: 0 });
    }, 120_000);

    it('does not consume again after a connection cut during the drain', async () => {
      const run = fault();
      const { ledger, apps, handlers } = run;
      const namespace = broker.namespace();
      const shutdown = { messages: 300, inFlight: 200, handlerMs: 2_000, cutAfterMs: 500 };
      const { doomedIds, startedAfterSignal, exitMs } = await signalMidBatch(run, broker, namespace, shutdown);
      const finishedBeforeExit = ledger.handledLines().filter((line) => doomedIds.has(line.id)).length;

      const replicaAt = Date.now();
      await apps.start({ transport: replicaTransport(broker, namespace), providers: handlers('replica', 'workers'), options: { serviceName: 'workers' } });
      await until(() => ledger.allAcknowledgedHandled(), 30_000, 'the rest handled by the replica');
      // Acks the cut lost bring their messages to the replica: RabbitMQ at once, Redis after VISIBILITY_MS.
      await new Promise((resolve) => setTimeout(resolve, VISIBILITY_MS + 2_000));
      const replicaGotDrained = new Set(ledger.lines().filter((line) => line.instance === 'replica' && doomedIds.has(line.id)).map((line) => line.id)).size;
      const figures = ledger.figures({
        recoverMs: ledger.firstHandledAfter(replicaAt),
        notes:
          `SIGTERM with ${doomedIds.size} handlers of ${shutdown.handlerMs} ms running, every connection reset ${shutdown.cutAfterMs} ms later: ` +
          `exited after ${exitMs} ms, ${finishedBeforeExit} finished, ${startedAfterSignal} started after the signal; ` +
          `the replica got ${replicaGotDrained} of the drained ones again (their acks lost with the connection)`,
      });

      expect(doomedIds.size).toBe(shutdown.inFlight);
      expect(startedAfterSignal).toBe(0);
      expect(figures).toMatchObject({ sent: shutdown.messages, acknowledged: shutdown.messages, handled: shutdown.messages, lost: 0, unexpected: 0 });
      expect(figures.duplicates).toBe(replicaGotDrained);
    }, 120_000);
  });
}
