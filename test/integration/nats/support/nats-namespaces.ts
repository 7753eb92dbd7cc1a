import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/**
 * Fresh stream names (each a bus namespace of its own on NATS), and the removal of everything
 * they made: the message and dead-letter streams and the bindings bucket (`KV_<name>`).
 */
export class NatsNamespaces {
  private readonly made: string[] = [];

  constructor(private readonly url: string) {}

  next(label = 'test'): string {
    const stream = `bus-${label}-${randomBytes(4).toString('hex')}`;
    this.made.push(stream);
    return stream;
  }

  async cleanup(): Promise<void> {
    const streams = this.made.splice(0).flatMap((stream) => [stream, `${stream}_dead`, `KV_${stream}_bindings`]);
    if (streams.length === 0) return;
    const nc = await connect({ servers: this.url });
    try {
      const jsm = await jetstreamManager(nc);
      await Promise.all(streams.map((stream) => jsm.streams.delete(stream).catch(() => undefined)));
    } finally {
      await nc.close();
    }
  }
}
