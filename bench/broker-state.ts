// What the bench leaves on the brokers: every job works under its own namespace inside the
// run's (`nmb-bench.<run>.<job>`), and everything under the run's is deleted at the end.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { acquireRabbitmqLock, releaseRabbitmqLock } from '../test/support/rabbitmq-lock.js';
import { AMQP_URL, NATS_URL, natsStreamOf, REDIS_URL } from './peers/brokers.js';

const run = promisify(execFile);

/** A namespace no earlier run used. */
export function runNamespace(): string {
  return `nmb-bench.${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

/** Deletes every Redis key whose name contains `namespace`; returns how many. */
export async function sweepRedis(namespace: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${namespace}*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

async function rabbitNames(kind: 'queues' | 'exchanges'): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', [`list_${kind}`, '--formatter=json', '-q', 'name'], { timeout: 60_000 });
  const listed: unknown = JSON.parse(stdout);
  if (!Array.isArray(listed)) throw new Error(`rabbitmqctl list_${kind}: unexpected output`);
  return listed.flatMap((entry: unknown) =>
    typeof entry === 'object' && entry !== null && 'name' in entry && typeof entry.name === 'string' ? [entry.name] : [],
  );
}

/**
 * Deletes the RabbitMQ queues and exchanges named `namespace` or `namespace.*` (AMQP cannot list
 * them: `rabbitmqctl` does). Returns how many, and what could not be deleted.
 */
export async function sweepAmqp(namespace: string): Promise<{ deleted: number; left: string[] }> {
  const owned = (name: string) => name === namespace || name.startsWith(`${namespace}.`);
  const [queues, exchanges] = await Promise.all([rabbitNames('queues'), rabbitNames('exchanges')]);
  const { connect } = await import('amqplib');
  const connection = await connect(AMQP_URL);
  const left: string[] = [];
  let deleted = 0;
  const remove = async (name: string, how: (channel: Awaited<ReturnType<typeof connection.createChannel>>) => Promise<unknown>) => {
    // A refusal closes the channel, so each deletion gets its own.
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await how(channel);
      await channel.close();
      deleted += 1;
    } catch (error) {
      left.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  try {
    for (const queue of queues.filter(owned)) await remove(queue, (channel) => channel.deleteQueue(queue));
    for (const exchange of exchanges.filter(owned)) await remove(exchange, (channel) => channel.deleteExchange(exchange));
  } finally {
    await connection.close();
  }
  return { deleted, left };
}

const LOCK_WAIT_MS = 300_000;

/** Runs `work` while holding the RabbitMQ tests' lock. */
export async function withRabbitLock<T>(work: () => Promise<T>): Promise<T> {
  // The RabbitMQ spec files hold it too: a bench run neither sees one restart the broker nor
  // disturbs their timings.
  await acquireRabbitmqLock(LOCK_WAIT_MS, (holder) => console.log(`waiting for the RabbitMQ tests' lock (pid ${holder})`));
  try {
    return await work();
  } finally {
    await releaseRabbitmqLock();
  }
}

/** Deletes the NATS streams (and the bus's buckets, `KV_<stream>_bindings`) of the run's jobs; returns how many. */
export async function sweepNats(namespace: string): Promise<number> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: NATS_URL });
  const prefix = natsStreamOf(namespace);
  let deleted = 0;
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (!name.startsWith(prefix) && !name.startsWith(`KV_${prefix}`)) continue;
      if (await jsm.streams.delete(name)) deleted += 1;
    }
  } finally {
    await nc.close();
  }
  return deleted;
}
