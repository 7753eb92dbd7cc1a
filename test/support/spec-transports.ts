import { afterAll } from 'vitest';
import type { Transport } from 'nestjs-message-bus';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { NatsNamespaces } from '../integration/nats/support/nats-namespaces.js';
import { RedisNamespaces } from '../integration/redis/support/redis-namespaces.js';
import { brokerAvailable, NATS_URL, REDIS_URL } from './brokers.js';

/** A transport a transport-agnostic spec runs on: its name, and a maker of an isolated instance. */
export interface SpecTransport {
  name: string;
  make(): Transport | string;
}

/**
 * Memory, and the brokers that answer (under CI=true, all of them must): Redis and NATS, each
 * instance in a namespace of its own, removed after the file. RabbitMQ specs run one file at a
 * time in a project of their own, so it is left to `brokerObservability`.
 * Call at the top level of a spec file.
 */
export async function specTransports(): Promise<SpecTransport[]> {
  const transports: SpecTransport[] = [{ name: 'memory', make: () => 'memory://' }];
  if (await brokerAvailable('Redis', REDIS_URL)) {
    const namespaces = new RedisNamespaces(REDIS_URL);
    afterAll(() => namespaces.cleanup());
    transports.push({ name: 'redis', make: () => new RedisTransport({ url: REDIS_URL, prefix: namespaces.next() }) });
  }
  if (await brokerAvailable('NATS', NATS_URL)) {
    const namespaces = new NatsNamespaces(NATS_URL);
    afterAll(() => namespaces.cleanup());
    transports.push({ name: 'nats', make: () => new NatsTransport({ servers: NATS_URL, stream: namespaces.next('spec') }) });
  }
  return transports;
}
