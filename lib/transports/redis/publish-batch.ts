import type { RedisClient } from './redis-clients.js';
import type { Arg, BusScripts, PublishOutcome } from './redis-scripts.js';
import type { EntryFields } from './stream-entry.js';

// Bounds one script call: Redis runs nothing else meanwhile, and the request is built in memory.
const MAX_MESSAGES = 256;
const MAX_BYTES = 512 * 1024;

interface Queued {
  streams: string[];
  fields: EntryFields;
  resolve: (stored: number) => void;
  reject: (error: Error) => void;
}

/**
 * The appends of one event-loop turn, sent as one script call instead of one XADD per message:
 * most of a publish's cost is the client's work per command and per argument. Each promise
 * resolves once Redis stored its entry (how many streams took it), in the order they were made;
 * a lone entry to one stream is a plain XADD.
 */
export class PublishBatch {
  private queued: Queued[] = [];
  private bytes = 0;

  constructor(
    private readonly client: RedisClient,
    private readonly scripts: BusScripts,
  ) {}

  /** Appends `fields` to each of `streams` that exists; resolves how many did. */
  append(streams: string[], fields: EntryFields): Promise<number> {
    let size = 0;
    for (const field of fields) size += field.length;
    // A large entry goes on its own, so that what Redis refuses about it (its size) is its failure alone.
    if (this.queued.length > 0 && this.bytes + size > MAX_BYTES) this.flush();
    return new Promise<number>((resolve, reject) => {
      if (this.queued.length === 0) process.nextTick(() => this.flush());
      this.queued.push({ streams, fields, resolve, reject });
      this.bytes += size;
      if (this.queued.length >= MAX_MESSAGES || this.bytes >= MAX_BYTES) this.flush();
    });
  }

  private flush(): void {
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    this.bytes = 0;
    if (batch.length === 1 && batch[0].streams.length === 1) {
      const [{ streams, fields, resolve, reject }] = batch;
      this.client.xadd(streams[0], 'NOMKSTREAM', '*', ...fields).then((id) => resolve(id === null ? 0 : 1), reject);
      return;
    }
    const streams: string[] = [];
    const args: Arg[] = [];
    for (const message of batch) {
      for (const stream of message.streams) streams.push(stream);
      args.push(message.streams.length, message.fields.length);
      for (const field of message.fields) args.push(field);
    }
    this.scripts.publishBatch(streams, args).then(
      (outcomes) => batch.forEach((message, index) => settle(message, outcomes[index])),
      (error: Error) => batch.forEach((message) => message.reject(error)),
    );
  }
}

function settle(message: Queued, outcome: PublishOutcome | undefined): void {
  if (typeof outcome === 'number') message.resolve(outcome);
  else if (outcome === undefined) message.reject(new Error('No outcome for this entry in the batch reply'));
  // Named as a lone XADD's failure would be: which stream refused it.
  else message.reject(new Error(`${outcome[1]} (stream ${message.streams[outcome[0] - 1]})`));
}
