import { RedisTransport } from 'nestjs-message-bus/redis';
import { busPeer } from './bus-app.js';
import { REDIS_URL } from './brokers.js';
import type { Peer, PeerContext } from './peer.js';

/** nestjs-message-bus on Redis, default options, its keys under the job's namespace. */
export function busRedisPeer({ namespace }: PeerContext): Peer {
  return busPeer(() => new RedisTransport({ url: REDIS_URL, prefix: namespace }));
}
