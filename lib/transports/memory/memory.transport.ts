import type { Transport, TransportConnection, TransportContext, TransportServer } from '../contract/transport.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryConnection } from './memory-connection.js';

/**
 * The default transport: an in-process broker with the same semantics as the others (groups,
 * competing consumers, priorities, delayed retries, dead letters) and no dependencies.
 * Payloads are handed over by reference, not encoded: treat them as immutable.
 *
 * One instance is one broker. Pass the same instance to several applications in one process
 * to have them share it like services on a real broker.
 * @publicApi
 */
export class MemoryTransport implements Transport {
  readonly name = 'memory';
  readonly server: TransportServer = { protocol: 'memory', host: 'in-process' };
  private readonly broker = new MemoryBroker();

  connect(context: TransportContext): Promise<TransportConnection> {
    this.broker.admit(context);
    return Promise.resolve(new MemoryConnection(this.broker, context));
  }
}
