/**
 * Names of every key and channel of one bus namespace. All share the prefix's hash tag, so they
 * hash to one Redis Cluster slot and Lua scripts may touch any of them.
 */
export class RedisKeys {
  /** `{bus}`: the prefix with its hash tag. */
  readonly base: string;
  /** Hash: `kind\npattern\ngroup` -> id of the instance holding it ('' for a service group). */
  readonly bindings: string;
  /** Hash: `kind\ntopic` -> the one group that handles that command or query topic. */
  readonly owners: string;
  /** Counter bumped with every binding change; change notifications carry it. */
  readonly bindingsVersion: string;
  /** Channel of binding change notifications: `version\n+|-\nkind\npattern\ngroup`. */
  readonly bindingsChannel: string;
  /** Sorted set: instance id -> lease expiry (Redis time, ms). */
  readonly instances: string;
  /** Hash: per-instance group -> id of its instance. */
  readonly exclusiveGroups: string;
  /** Sorted set of delayed messages (retries, `delayMs`) by due time (Redis time, ms). */
  readonly delayed: string;
  /** Stream of dead letters, oldest first. */
  readonly deadLetters: string;

  constructor(
    prefix: string,
    readonly bands: number,
  ) {
    this.base = /\{[^{}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
    this.bindings = `${this.base}:bindings`;
    this.owners = `${this.base}:owners`;
    this.bindingsVersion = `${this.base}:bindings:version`;
    this.bindingsChannel = `${this.base}:bindings`;
    this.instances = `${this.base}:instances`;
    this.exclusiveGroups = `${this.base}:exclusive`;
    this.delayed = `${this.base}:delayed`;
    this.deadLetters = `${this.base}:dead`;
  }

  /** Prefix of the idempotency keys of idempotent handlers. */
  get idempotencyPrefix(): string {
    return `${this.base}:once:`;
  }

  /** The stream replies to an instance's requests are appended to (its reply inbox). */
  replyInbox(instanceId: string): string {
    return `${this.replyPrefix}${instanceId}`;
  }

  /** Every realtime channel starts with this; a topic's is this and the topic. */
  get realtimePrefix(): string {
    return `${this.base}:rt:`;
  }

  /** Every reply inbox key starts with this; a `replyTo` elsewhere is not one of ours. */
  get replyPrefix(): string {
    return `${this.base}:reply:`;
  }

  /** The stream of one priority band of a group. */
  stream(group: string, band: number): string {
    return `${this.streamPrefix}${group}:${band}`;
  }

  /** The streams of a group, highest priority (band 0) first. */
  streams(group: string): string[] {
    return Array.from({ length: this.bands }, (_, band) => this.stream(group, band));
  }

  /** Every group stream key starts with this. */
  get streamPrefix(): string {
    return `${this.base}:q:`;
  }

  /** The band of a message priority (0..99): bands split the range evenly, band 0 first. */
  band(priority: number): number {
    return Math.min(this.bands - 1, Math.max(0, Math.floor((priority * this.bands) / 100)));
  }
}
