import type { BusLogger } from '../contract/transport.js';
import type { RedisClient, RedisClients } from './redis-clients.js';
import type { CredentialScrubber } from '../shared/credentials.js';

// Bounds an inbox whose instance stopped reading (it died, or lags far behind): a live requester
// reads far fewer replies than this between two reads.
const MAX_REPLIES = 10_000;
// An inbox nobody writes to for this long is gone with its instance; a live one is made again by
// the next reply. Longer than any request waits, so a reply is never expired before it is read.
const INBOX_TTL_MS = 10 * 60_000;
const BLOCK_MS = 2_000;
const READ_COUNT = 1_000;
const RETRY_PAUSE_MS = 250;

type RawReply = [Buffer, Buffer[]];

/**
 * Where the replies to one instance's requests arrive: a stream of its own, read from the last
 * entry seen. Unlike a pub/sub channel, a reply written while the instance reconnects waits in
 * the stream and is read once the connection is back.
 */
export class ReplyInbox {
  private readonly reader: RedisClient;
  private lastId = '0-0';
  private running?: Promise<void>;
  private stopping = false;

  constructor(
    readonly address: string,
    private readonly clients: RedisClients,
    private readonly commands: RedisClient,
    private readonly onReply: (message: Buffer) => void,
    private readonly logger: BusLogger,
    private readonly scrubber: CredentialScrubber,
  ) {
    this.reader = clients.create('replies');
  }

  /** Appends a reply to the inbox at `address`, bounded and expiring with its instance. */
  static send(client: RedisClient, address: string, message: Buffer | string): Promise<unknown> {
    return Promise.all([
      client.xadd(address, 'MAXLEN', '~', MAX_REPLIES, '*', 'r', message),
      client.pexpire(address, INBOX_TTL_MS),
    ]);
  }

  async start(): Promise<void> {
    await this.clients.ready(this.reader, 'replies');
    this.running = this.run();
  }

  /** Stops reading and removes the inbox: replies still on their way are not wanted any more. */
  async close(): Promise<void> {
    this.stopping = true;
    // Ends the blocked read at once; the loop sees `stopping` and returns.
    this.reader.disconnect();
    await this.running;
    await this.commands.del(this.address).catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const read = (await this.reader.xreadBuffer('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', this.address, this.lastId)) as
          | [Buffer, RawReply[]][]
          | null;
        for (const [id, fields] of read?.[0]?.[1] ?? []) {
          this.lastId = id.toString();
          if (fields[1] !== undefined) this.onReply(fields[1]);
        }
      } catch (error) {
        if (this.stopping) return;
        this.logger.warn(`Reading replies from ${this.address} failed: ${this.scrubber.message(error)}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
  }
}
