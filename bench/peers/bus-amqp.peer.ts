import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { busPeer } from './bus-app.js';
import { AMQP_URL } from './brokers.js';
import type { Peer, PeerContext } from './peer.js';

/** nestjs-message-bus on RabbitMQ, default options, its exchanges and queues named after the job's namespace. */
export function busAmqpPeer({ namespace }: PeerContext): Peer {
  return busPeer(() => new AmqpTransport({ url: AMQP_URL, exchange: namespace }));
}
