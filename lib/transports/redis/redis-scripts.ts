import type { RedisClient } from './redis-clients.js';
import type { RedisKeys } from './redis-keys.js';
import * as lua from './redis-lua.js';
import type { EntryFields } from './stream-entry.js';

export type Arg = string | number | Buffer;
type ScriptMethod = (...args: Arg[]) => Promise<unknown>;

const SCRIPTS = {
  busPublishBatch: lua.PUBLISH_BATCH,
  busBind: lua.BIND,
  busUnbind: lua.UNBIND,
  busLoadBindings: lua.LOAD_BINDINGS,
  busTake: lua.TAKE,
  busClaim: lua.CLAIM,
  busTrim: lua.TRIM,
  busDropConsumers: lua.DROP_CONSUMERS,
  busSchedule: lua.SCHEDULE,
  busPromote: lua.PROMOTE,
  busRenewLease: lua.RENEW_LEASE,
  busReapInstances: lua.REAP_INSTANCES,
  busAddDeadLetter: lua.ADD_DEAD_LETTER,
  busPruneDeadLetters: lua.PRUNE_DEAD_LETTERS,
} as const;

type ScriptName = keyof typeof SCRIPTS;

/** An entry as Redis returns it: id and fields, as buffers. */
export type RawEntry = [Buffer, Buffer[]];

/** Per message of a batch: to how many streams it went, or which (1-based) refused it and why. */
export type PublishOutcome = number | [number, string];

/** A binding that could not be made because another group owns the topic. */
export interface OwnedElsewhere {
  owner: string;
}

/**
 * The bus's Lua scripts on one client, with typed arguments and results. ioredis sends a
 * script's source the first time it runs on a socket and its SHA after that, so calls keep
 * their order on the connection even right after Redis restarted.
 */
export class BusScripts {
  private readonly methods: Record<string, ScriptMethod>;

  constructor(
    client: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    for (const [name, source] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua: source });
    this.methods = client as unknown as Record<string, ScriptMethod>;
  }

  /** `args`: per message, its stream count, field count and fields; `streams` of every message in turn. */
  publishBatch(streams: string[], args: Arg[]): Promise<PublishOutcome[]> {
    return this.run('busPublishBatch', streams, args) as Promise<PublishOutcome[]>;
  }

  async bind(kind: string, pattern: string, group: string, holder: string): Promise<OwnedElsewhere | undefined> {
    const { keys } = this;
    const [made, owner] = (await this.run('busBind', [keys.bindings, keys.owners, keys.bindingsVersion], [
      kind, pattern, group, holder, keys.bindingsChannel,
    ])) as [number, string];
    return made === 1 ? undefined : { owner };
  }

  unbind(kind: string, pattern: string, group: string): Promise<number> {
    const { keys } = this;
    return this.run('busUnbind', [keys.bindings, keys.owners, keys.bindingsVersion], [
      kind, pattern, group, keys.bindingsChannel,
    ]) as Promise<number>;
  }

  async loadBindings(): Promise<{ version: number; fields: string[] }> {
    const [version, fields] = (await this.run('busLoadBindings', [this.keys.bindings, this.keys.bindingsVersion], [])) as [string, string[]];
    return { version: Number(version), fields };
  }

  take(streams: string[], group: string, consumer: string, count: number): Promise<[number, RawEntry[]][]> {
    return this.run('busTake', streams, [group, consumer, count], true) as Promise<[number, RawEntry[]][]>;
  }

  claim(streams: string[], group: string, consumer: string, minIdleMs: number, count: number): Promise<[number, Buffer, number, Buffer[]][]> {
    return this.run('busClaim', streams, [group, consumer, minIdleMs, count], true) as Promise<[number, Buffer, number, Buffer[]][]>;
  }

  trim(streams: string[]): Promise<number> {
    return this.run('busTrim', streams, []) as Promise<number>;
  }

  /** Removes consumers of `group` with nothing pending: `name` only, or any idle for `minIdleMs`. */
  dropConsumers(streams: string[], group: string, name: string, minIdleMs: number, except = ''): Promise<number> {
    return this.run('busDropConsumers', streams, [group, name, minIdleMs, except]) as Promise<number>;
  }

  schedule(delayMs: number, members: Buffer[]): Promise<number> {
    return this.run('busSchedule', [this.keys.delayed], [delayMs, ...members]) as Promise<number>;
  }

  async promote(limit: number): Promise<{ moved: number; dropped: number; nextInMs: number }> {
    const [moved, dropped, nextInMs] = (await this.run('busPromote', [this.keys.delayed], [limit])) as number[];
    return { moved, dropped, nextInMs };
  }

  /** Renews this instance's lease; false when it had expired (or never existed). */
  async renewLease(instanceId: string, ttlMs: number): Promise<boolean> {
    return (await this.run('busRenewLease', [this.keys.instances], [instanceId, ttlMs])) === 1;
  }

  reapInstances(): Promise<number> {
    const { keys } = this;
    return this.run('busReapInstances', [keys.instances, keys.bindings, keys.bindingsVersion, keys.exclusiveGroups], [
      keys.bindingsChannel, keys.streamPrefix, keys.bands,
    ]) as Promise<number>;
  }

  addDeadLetter(ttlMs: number, maxSize: number, fields: EntryFields): Promise<number> {
    return this.run('busAddDeadLetter', [this.keys.deadLetters], [ttlMs, maxSize, ...fields]) as Promise<number>;
  }

  async pruneDeadLetters(ttlMs: number): Promise<{ dropped: number; remaining: number }> {
    const [dropped, remaining] = (await this.run('busPruneDeadLetters', [this.keys.deadLetters], [ttlMs])) as number[];
    return { dropped, remaining };
  }

  private run(name: ScriptName, keys: string[], args: Arg[], buffers = false): Promise<unknown> {
    return this.methods[buffers ? `${name}Buffer` : name](keys.length, ...keys, ...args);
  }
}
