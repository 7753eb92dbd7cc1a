import { afterAll } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { RedisTransport } from 'nestjs-message-bus/redis';
import type { Transport } from 'nestjs-message-bus/transport';
import { AMQP_URL, brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { holdBrokerLock } from '../../integration/amqp/support/broker-lock.js';
import { deleteNamespaces, testNamespace } from '../../integration/amqp/support/broker.js';
import { RedisNamespaces } from '../../integration/redis/support/redis-namespaces.js';

/** Transport options a fault test may set on either broker. */
export interface FaultTransportOptions {
  prefetch?: number;
  /** Redis only. */
  visibilityTimeoutMs?: number;
}

/** One broker a fault runs on: fresh namespaces (deleted after the file), transports in them. */
export interface FaultBroker {
  name: 'redis' | 'amqp';
  url: string;
  available: boolean;
  /** A key prefix (Redis) or exchange (RabbitMQ) no other test uses. */
  namespace(): string;
  transport(namespace: string, options?: FaultTransportOptions): Transport;
  /** Registers the file's hooks: the RabbitMQ lock, the namespaces' clean-up. Call inside describe. */
  hooks(): void;
}

/** Redis and RabbitMQ, for a fault the plan runs on both (`label` names the RabbitMQ namespaces). */
export async function faultBrokers(label: string): Promise<FaultBroker[]> {
  const redisNamespaces = new RedisNamespaces(REDIS_URL);
  const amqpNamespaces: string[] = [];
  return [
    {
      name: 'redis',
      url: REDIS_URL,
      available: await brokerAvailable('Redis', REDIS_URL),
      namespace: () => redisNamespaces.next(),
      transport: (prefix, options) => new RedisTransport({ url: REDIS_URL, prefix, ...options }),
      hooks: () => afterAll(() => redisNamespaces.cleanup()),
    },
    {
      name: 'amqp',
      url: AMQP_URL,
      available: await brokerAvailable('RabbitMQ', AMQP_URL),
      namespace: () => {
        const namespace = testNamespace(label);
        amqpNamespaces.push(namespace);
        return namespace;
      },
      transport: (exchange, options) => new AmqpTransport({ url: AMQP_URL, exchange, prefetch: options?.prefetch }),
      hooks: () => {
        holdBrokerLock();
        afterAll(() => deleteNamespaces(amqpNamespaces));
      },
    },
  ];
}
