import { GOLEVELUP_PEER } from '../golevelup-setup.js';
import type { Peer, PeerContext } from './peer.js';

export type Broker = 'redis' | 'amqp';

interface PeerEntry {
  /** How progress lines and targets name it. */
  label: string;
  /** The broker its runs use: their state is deleted after the run; RabbitMQ runs take the tests' broker lock. */
  broker?: Broker;
  /** Loaded only in the child that runs it, so optional clients stay optional. */
  load(context: PeerContext): Promise<Peer>;
}

function isGolevelupModule(value: unknown): value is { golevelupPeer: (context: PeerContext) => Peer } {
  return typeof value === 'object' && value !== null && 'golevelupPeer' in value && typeof value.golevelupPeer === 'function';
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
    load: async (context) => (await import('./bullmq.peer.js')).bullmqPeer(context),
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
    // Built apart, on its own Nest 11 (see golevelup-setup.ts).
    load: async (context) => {
      const loaded: unknown = await import(GOLEVELUP_PEER.href);
      if (!isGolevelupModule(loaded)) throw new Error(`${GOLEVELUP_PEER.pathname} does not export golevelupPeer`);
      return loaded.golevelupPeer(context);
    },
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
