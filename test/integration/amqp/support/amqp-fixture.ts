import { afterAll, afterEach, beforeEach } from 'vitest';
import { AppTracker } from '../../../support/bus-app.js';
import { deleteNamespaces, testNamespace } from './broker.js';
import { holdBrokerLock } from './broker-lock.js';
import { PlainClient } from './plain-client.js';

export interface AmqpFixture {
  readonly apps: AppTracker;
  /** The exchange (and queue prefix) of the running test, deleted after the file. */
  readonly exchange: string;
  /** A plain amqplib client, to look at the broker the way other tools would. */
  readonly plain: PlainClient;
}

/**
 * What a RabbitMQ spec file shares: the broker lock, a fresh namespace and plain client per test,
 * apps closed after each. Call it inside the file's `describe`.
 */
export function useAmqpFixture(label: string): AmqpFixture {
  holdBrokerLock();
  const namespaces: string[] = [];
  const apps = new AppTracker();
  let exchange = '';
  let plain: PlainClient | undefined;
  beforeEach(async () => {
    exchange = testNamespace(label);
    namespaces.push(exchange);
    plain = await PlainClient.open();
  });
  afterEach(async () => {
    await apps.closeAll();
    await plain?.close();
  });
  afterAll(() => deleteNamespaces(namespaces));
  return {
    apps,
    get exchange() {
      return exchange;
    },
    get plain() {
      if (plain === undefined) throw new Error('The plain client opens before each test');
      return plain;
    },
  };
}
