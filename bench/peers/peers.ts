import { isolatedPeer } from '../isolated-setup.js';
import type { Peer, PeerContext } from './peer.js';

export type Broker = 'redis' | 'amqp' | 'nats';

interface PeerEntry {
  /** How progress lines and targets name it. */
  label: string;
  /** The broker its runs use: their state is deleted after the run; RabbitMQ runs take the tests' broker lock. */
  broker?: Broker;
  /** Loaded only in the child that runs it, so optional clients stay optional. */
  load(context: PeerContext): Promise<Peer>;
}

/** A peer compiled apart, in bench/isolated (see isolated-setup.ts), by its exported factory. */
async function loadIsolated(name: 'golevelup' | 'bullmq', context: PeerContext): Promise<Peer> {
  const url = isolatedPeer(name);
  const loaded: unknown = await import(url.href);
  const factory = typeof loaded === 'object' && loaded !== null ? (loaded as Record<string, unknown>)[`${name}Peer`] : undefined;
  if (typeof factory !== 'function') throw new Error(`${url.pathname} does not export ${name}Peer`);
  return (factory as (context: PeerContext) => Peer)(context);
}

/** Every library the bench knows. */
export const PEERS = {
  'bus-memory': {
    label: 'nestjs-message-bus',
    load: async () => (await import('./bus-memory.peer.js')).busMemoryPeer(),
  },
  'bus-memory-nometrics': {
    label: 'nestjs-message-bus (metrics: false)',
    load: async () => (await import('./bus-memory.peer.js')).busMemoryPeer({ metrics: false }),
  },
  cqrs: {
    label: '@nestjs/cqrs',
    load: async () => (await import('./cqrs.peer.js')).cqrsPeer,
  },
  'bus-redis': {
    label: 'nestjs-message-bus (Redis)',
    broker: 'redis',
    load: async (context) => (await import('./bus-redis.peer.js')).busRedisPeer(context),
  },
  ioredis: {
    label: 'ioredis',
    broker: 'redis',
    load: async (context) => (await import('./ioredis.peer.js')).ioredisPeer(context),
  },
  bullmq: {
    label: 'BullMQ',
    broker: 'redis',
    load: (context) => loadIsolated('bullmq', context),
  },
  'bus-amqp': {
    label: 'nestjs-message-bus (RabbitMQ)',
    broker: 'amqp',
    load: async (context) => (await import('./bus-amqp.peer.js')).busAmqpPeer(context),
  },
  amqplib: {
    label: 'amqplib',
    broker: 'amqp',
    load: async (context) => (await import('./amqplib.peer.js')).amqplibPeer(context),
  },
  golevelup: {
    label: '@golevelup/nestjs-rabbitmq',
    broker: 'amqp',
    // Built apart, on its own Nest 11.
    load: (context) => loadIsolated('golevelup', context),
  },
  'bus-nats': {
    label: 'nestjs-message-bus (NATS)',
    broker: 'nats',
    load: async (context) => (await import('./bus-nats.peer.js')).busNatsPeer(context),
  },
  nats: {
    label: 'nats (JetStream)',
    broker: 'nats',
    load: async (context) => (await import('./nats.peer.js')).natsPeer(context),
  },
} as const satisfies Record<string, PeerEntry>;

export type PeerId = keyof typeof PEERS;

export function isPeerId(value: unknown): value is PeerId {
  return typeof value === 'string' && Object.hasOwn(PEERS, value);
}

export function brokerOf(peer: PeerId): Broker | undefined {
  const entry: PeerEntry = PEERS[peer];
  return entry.broker;
}
