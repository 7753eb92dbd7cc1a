import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { NATS_URL } from '../../../support/brokers.js';
import { AppTracker } from '../../../support/bus-app.js';
import { NatsNamespaces } from './nats-namespaces.js';

export interface NatsFixture {
  namespaces: NatsNamespaces;
  apps: AppTracker;
  /** A plain nats client connection, the foreign producer and consumer of the specs. */
  plain(): NatsConnection;
}

/** Streams of their own, apps closed after each test, a plain client for the whole file. */
export function useNatsFixture(): NatsFixture {
  const namespaces = new NatsNamespaces(NATS_URL);
  const apps = new AppTracker();
  let connection: NatsConnection | undefined;
  beforeAll(async () => {
    connection = await connect({ servers: NATS_URL });
  });
  afterEach(() => apps.closeAll());
  afterAll(async () => {
    await connection?.close();
    await namespaces.cleanup();
  });
  return {
    namespaces,
    apps,
    plain: () => {
      if (connection === undefined) throw new Error('the plain NATS connection is not open yet');
      return connection;
    },
  };
}
