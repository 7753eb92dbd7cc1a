// Compiled with this folder (see ../isolated-setup.ts): BullMQ is installed here, not in the project.
import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { REDIS_URL } from '../peers/brokers.js';
import { requireSimpleEvents, type EventDriver, type Harness, type Peer, type PeerContext, type RoundTrip } from '../peers/peer.js';
import { Probe } from '../peers/probe.js';
import type { Item } from '../peers/workload.js';

// BullMQ runs one job at a time per worker unless told otherwise: give it nestjs-message-bus's
// default concurrency, so that both keep as many messages in progress.
const CONCURRENCY = 100;
// Completed jobs are kept forever by default; keep the last 1,000 (a common setting, and
// `waitUntilFinished` needs the job to still be there).
const JOB_OPTIONS = { removeOnComplete: 1_000, removeOnFail: 1_000 };
const REQUEST_TIMEOUT_MS = 5_000;

function connection(): ConnectionOptions {
  const url = new URL(REDIS_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined,
    // BullMQ's workers require it (blocking commands).
    maxRetriesPerRequest: null,
  };
}

/** A queue and a worker of it, under the job's key prefix. */
async function queueWithWorker<R>(namespace: string, name: string, process: (job: Job<Item>) => Promise<R>) {
  const options = { connection: connection(), prefix: namespace };
  const queue = new Queue<Item>(name, { ...options, defaultJobOptions: JOB_OPTIONS });
  const worker = new Worker<Item, R>(name, process, { ...options, concurrency: CONCURRENCY });
  await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
  return { queue, worker, options };
}

/** A job per message (`Queue.add`), a worker counting them. */
async function oneWay(namespace: string, name: string): Promise<Harness<EventDriver>> {
  const probe = new Probe();
  const { queue, worker } = await queueWithWorker(namespace, name, async () => probe.hit());
  return {
    driver: { publish: (seq) => queue.add(name, { n: seq }), probe },
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}

/** BullMQ has no request/reply: a job is added, then awaited with `job.waitUntilFinished(queueEvents)`. */
async function requestReply(namespace: string): Promise<Harness<RoundTrip>> {
  const { queue, worker, options } = await queueWithWorker(namespace, 'queries', async (job) => job.data.n);
  const events = new QueueEvents('queries', options);
  await events.waitUntilReady();
  return {
    driver: {
      call: async (seq) => {
        const job = await queue.add('query', { n: seq });
        return job.waitUntilFinished(events, REQUEST_TIMEOUT_MS);
      },
      verify: (result, seq) => result === seq,
    },
    close: async () => {
      await worker.close();
      await events.close();
      await queue.close();
    },
  };
}

/** BullMQ: jobs for events and commands alike (it has no fan-out), a Worker as the handler. */
export function bullmqPeer({ namespace }: PeerContext): Peer {
  return {
    async events(workload) {
      requireSimpleEvents(workload, 'BullMQ', true);
      return oneWay(namespace, 'events');
    },

    async sends(workload) {
      if (workload.idempotent) throw new Error('BullMQ has no idempotent handlers');
      return oneWay(namespace, 'commands');
    },

    queries: () => requestReply(namespace),
  };
}
