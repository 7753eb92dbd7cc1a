import type { Peer } from './peer.js';

interface PeerEntry {
  /** Column heading. */
  label: string;
  /** Loaded only in the child that runs it, so optional clients stay optional. */
  load(): Promise<Peer>;
}

/** Every library the bench knows; add Redis, RabbitMQ and their peers here. */
export const PEERS = {
  'bus-memory': {
    label: 'nestjs-message-bus',
    load: async () => (await import('./bus-memory.peer.js')).busMemoryPeer,
  },
  cqrs: {
    label: '@nestjs/cqrs',
    load: async () => (await import('./cqrs.peer.js')).cqrsPeer,
  },
} as const satisfies Record<string, PeerEntry>;

export type PeerId = keyof typeof PEERS;

export function isPeerId(value: unknown): value is PeerId {
  return typeof value === 'string' && Object.hasOwn(PEERS, value);
}
