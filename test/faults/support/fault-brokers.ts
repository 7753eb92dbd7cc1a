import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { RedisTransport } from 'nestjs-message-bus/redis';
import type { Transport } from 'nestjs-message-bus/transport';
import { AMQP_URL, REDIS_URL } from '../../support/brokers.js';
import { holdBrokerLock } from '../../integration/amqp/support/broker-lock.js';
import { deleteNamespaces, testNamespace } from '../../integration/amqp/support/broker.js';
import { RedisNamespaces } from '../../integration/redis/support/redis-namespaces.js';

/** One of the shared brokers a fault runs on, with namespaces of its own that it deletes afterwards. */
export interface FaultBroker {
  name: 'redis' | 'amqp';
  url: string;
  namespace(): string;
  /** A transport on `namespace`, connecting to `url` (default the broker's: a proxy in front of it, say). */
  transport(namespace: string, url?: string, options?: { prefetch?: number }): Transport;
  /** Registers what a spec on this broker needs around it (the RabbitMQ lock). */
  setup(): void;
  cleanup(): Promise<void>;
}

/** The shared Redis and RabbitMQ, each with fresh namespaces labelled `label`. */
export function faultBrokers(label: string): FaultBroker[] {
  const redisNamespaces = new RedisNamespaces(REDIS_URL);
  const amqpNamespaces: string[] = [];
  return [
    {
      name: 'redis',
      url: REDIS_URL,
      namespace: () => redisNamespaces.next(),
      transport: (prefix, url = REDIS_URL, options) => new RedisTransport({ url, prefix, ...options }),
      setup: () => undefined,
      cleanup: () => redisNamespaces.cleanup(),
    },
    {
      name: 'amqp',
      url: AMQP_URL,
      namespace: () => {
        const namespace = testNamespace(label);
        amqpNamespaces.push(namespace);
        return namespace;
      },
      transport: (exchange, url = AMQP_URL, options) => new AmqpTransport({ url, exchange, ...options }),
      setup: holdBrokerLock,
      cleanup: () => deleteNamespaces(amqpNamespaces),
    },
  ];
}
