import { Redis } from 'ioredis';
import { REDIS_URL } from './brokers.js';
import { requireSimpleEvents, type EventDriver, type Harness, type Peer, type PeerContext, type RoundTrip } from './peer.js';
import { Probe } from './probe.js';
import { parseItem } from './workload.js';

// The least a Redis Streams application does: XADD to a stream; a consumer group read with a
// blocking XREADGROUP, each entry handled, the batch XACKed. The same read size and pipelining
// as nestjs-message-bus's transport (prefetch 256, auto-pipelining on the command connection).
const GROUP = 'bench';
const CONSUMER = 'bench-1';
const READ_COUNT = 256;
const BLOCK_MS = 1_000;

type StreamReply = [key: string, entries: [id: string, fields: string[] | null][]][] | null;

/** `fields` is `[name, value, name, value, …]`. */
function field(fields: string[], name: string): string {
  const index = fields.indexOf(name);
  if (index < 0 || index % 2 === 1 || index + 1 >= fields.length) throw new Error(`stream entry without ${name}`);
  return fields[index + 1];
}

/** One consumer of a stream's consumer group, running until `stop()`. */
class StreamConsumer {
  private stopped = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly reader: Redis,
    private readonly commands: Redis,
    private readonly stream: string,
    private readonly handle: (fields: string[]) => void,
  ) {
    this.loop = this.consume();
  }

  static async start(commands: Redis, stream: string, handle: (fields: string[]) => void): Promise<StreamConsumer> {
    await commands.xgroup('CREATE', stream, GROUP, '$', 'MKSTREAM');
    return new StreamConsumer(new Redis(REDIS_URL), commands, stream, handle);
  }

  private async consume(): Promise<void> {
    while (!this.stopped) {
      let reply: StreamReply;
      try {
        reply = await this.reader.xreadgroup('GROUP', GROUP, CONSUMER, 'COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', this.stream, '>');
      } catch (error) {
        if (this.stopped) return;
        throw error;
      }
      for (const [, entries] of reply ?? []) {
        const ids: string[] = [];
        for (const [id, fields] of entries) {
          this.handle(fields ?? []);
          ids.push(id);
        }
        if (ids.length > 0) void this.commands.xack(this.stream, GROUP, ...ids);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Ends the blocked read at once.
    this.reader.disconnect();
    await this.loop;
  }
}

const commandsConnection = (): Redis => new Redis(REDIS_URL, { enableAutoPipelining: true });

/** Entries with a JSON payload on one stream, one consumer counting them. */
async function oneWay(stream: string): Promise<Harness<EventDriver>> {
  const commands = commandsConnection();
  const probe = new Probe();
  const consumer = await StreamConsumer.start(commands, stream, (fields) => {
    parseItem(field(fields, 'payload'));
    probe.hit();
  });
  return {
    driver: { publish: (seq) => commands.xadd(stream, '*', 'payload', JSON.stringify({ n: seq })), probe },
    close: async () => {
      await consumer.stop();
      await commands.quit();
    },
  };
}

/**
 * Request/reply the way nestjs-message-bus's transport does it, minus the envelope: the request
 * is an entry (id, reply channel, payload) on a stream; the consumer answers with PUBLISH on the
 * requester's channel, which a subscribed connection reads.
 */
async function requestReply(namespace: string): Promise<Harness<RoundTrip>> {
  const stream = `${namespace}:queries`;
  const replies = `${namespace}:reply`;
  const commands = commandsConnection();
  const subscriber = new Redis(REDIS_URL);
  const waiting = new Map<string, (answer: number) => void>();
  subscriber.on('message', (_channel: string, message: string) => {
    const separator = message.indexOf(' ');
    const id = message.slice(0, separator);
    waiting.get(id)?.(parseItem(message.slice(separator + 1)).n);
    waiting.delete(id);
  });
  await subscriber.subscribe(replies);
  const consumer = await StreamConsumer.start(commands, stream, (fields) => {
    const { n } = parseItem(field(fields, 'payload'));
    void commands.publish(field(fields, 'replyTo'), `${field(fields, 'id')} ${JSON.stringify({ n })}`);
  });
  return {
    driver: {
      call: (seq) =>
        new Promise<number>((resolve, reject) => {
          const id = String(seq);
          waiting.set(id, resolve);
          commands.xadd(stream, '*', 'id', id, 'replyTo', replies, 'payload', JSON.stringify({ n: seq })).catch(reject);
        }),
      verify: (result, seq) => result === seq,
    },
    close: async () => {
      await consumer.stop();
      await Promise.all([subscriber.quit(), commands.quit()]);
    },
  };
}

/** Raw ioredis: the minimal Redis Streams code doing what each scenario needs, no framework. */
export function ioredisPeer({ namespace }: PeerContext): Peer {
  return {
    async events(workload) {
      requireSimpleEvents(workload, 'raw ioredis', true);
      return oneWay(`${namespace}:events`);
    },

    async sends(workload) {
      if (workload.idempotent) throw new Error('raw ioredis has no idempotent handlers');
      return oneWay(`${namespace}:commands`);
    },

    queries: () => requestReply(namespace),
  };
}
