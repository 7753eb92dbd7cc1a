import { NatsTransport } from 'nestjs-message-bus/nats';
import { busPeer } from './bus-app.js';
import { NATS_URL, natsStreamOf } from './brokers.js';
import type { Peer, PeerContext } from './peer.js';

/** nestjs-message-bus on NATS JetStream, default options, its streams named after the job's namespace. */
export function busNatsPeer({ namespace }: PeerContext): Peer {
  return busPeer(() => new NatsTransport({ servers: NATS_URL, stream: natsStreamOf(namespace) }));
}
