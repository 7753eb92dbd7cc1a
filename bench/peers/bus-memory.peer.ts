import type { BusOptions } from 'nestjs-message-bus';
import { busPeer } from './bus-app.js';
import type { Peer } from './peer.js';

/** nestjs-message-bus on its in-memory transport; default options unless `options` say otherwise. */
export function busMemoryPeer(options: BusOptions = {}): Peer {
  return busPeer(() => 'memory://', options);
}
