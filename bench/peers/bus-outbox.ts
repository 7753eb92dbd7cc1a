import { randomBytes } from 'node:crypto';
import { Injectable, type INestApplicationContext, type Provider } from '@nestjs/common';
import { EventHandler, MessageBus } from 'nestjs-message-bus';
import { OutboxRelay, PostgresOutbox } from 'nestjs-message-bus/postgres';
import pg from 'pg';
import { now } from '../measure.js';
import { POSTGRES_URL } from './brokers.js';
import type { Harness, OutboxDriver } from './peer.js';
import { OUTBOX_TOPIC, type Item } from './workload.js';

/** When each outbox event was handled, by its `n`. */
@Injectable()
class Arrivals {
  readonly handledAt = new Map<number, bigint>();
}

@Injectable()
class OutboxEventHandler {
  constructor(private readonly arrivals: Arrivals) {}

  @EventHandler(OUTBOX_TOPIC)
  handle(event: Item): void {
    this.arrivals.handledAt.set(event.n, now());
  }
}

/**
 * An application with a `PostgresOutbox` (its table in a schema of its own, dropped on close)
 * and the relay as a provider, booted by `boot` with the given providers.
 */
export async function outboxHarness(
  boot: (providers: Provider[]) => Promise<INestApplicationContext>,
): Promise<Harness<OutboxDriver>> {
  const schema = `bench_outbox_${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 20 });
  await pool.query(`CREATE SCHEMA ${schema}`);
  const outbox = new PostgresOutbox(pool, { table: `${schema}.outbox` });
  await outbox.createTables();
  const app = await boot([
    Arrivals,
    OutboxEventHandler,
    { provide: OutboxRelay, useFactory: (bus: MessageBus) => outbox.relay(bus), inject: [MessageBus] },
  ]);
  const bus = app.get(MessageBus);
  /** Commits a transaction with events `first`.. in the outbox; resolves the commit's `now()`. */
  const commit = async (first: number, count: number): Promise<bigint> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (let n = first; n < first + count; n++) await outbox.publish(client, OUTBOX_TOPIC, { n });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    return now();
  };
  const write: OutboxDriver['write'] = async (seq, via) => {
    if (via === 'outbox') return commit(seq, 1);
    const committedAt = await commit(seq, 0);
    await bus.publish(OUTBOX_TOPIC, { n: seq });
    return committedAt;
  };
  return {
    driver: { write, writeMany: commit, handledAt: app.get(Arrivals).handledAt },
    close: async () => {
      await app.close();
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    },
  };
}
