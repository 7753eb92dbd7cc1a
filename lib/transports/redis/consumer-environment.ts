import type { DeadLetterStore, Reply, TransportContext } from '../contract/transport.js';
import type { BindingTable } from '../shared/binding-table.js';
import type { RedisClient, RedisClients } from './redis-clients.js';
import type { RedisKeys } from './redis-keys.js';
import type { BusScripts } from './redis-scripts.js';
import type { ConnectionOptions } from './redis.options.js';
import type { EntryDecoding } from './stream-entry.js';
import type { DeadLetterWriter } from '../contract/dead-letter-writer.js';
import type { CredentialScrubber } from '../shared/credentials.js';

/** What the consumers of one connection share with it. */
export interface ConsumerEnvironment {
  /** The connection for commands and scripts (never blocked, never subscribed). */
  readonly client: RedisClient;
  readonly clients: RedisClients;
  readonly scripts: BusScripts;
  readonly keys: RedisKeys;
  readonly options: ConnectionOptions;
  readonly context: TransportContext;
  readonly table: BindingTable;
  readonly scrubber: CredentialScrubber;
  readonly deadLetters: DeadLetterStore;
  /** Writes the letters the transport makes itself. */
  readonly transportLetters: DeadLetterWriter;
  /** How entries read from the group streams are decoded: codec, defaults and inbound limits. */
  readonly decoding: EntryDecoding;
  /** The consumer name of this instance in every group: its instance id. */
  readonly consumerName: string;
  /** How often holds are renewed and abandoned messages claimed: a third of the visibility timeout. */
  readonly maintenanceIntervalMs: number;
  /** Groups this instance has a reader for; a consumer adds its group while reading. */
  readonly readingGroups: Set<string>;
  reply(address: string, reply: Reply): void | Promise<void>;
}
