import { redisError } from './redis.error.js';
import { DuplicateHandlerError, InvalidOptionsError } from '../../messages/errors.js';
import type { Binding, Consumer, DeliveryHandler, GroupSubscription } from '../contract/transport.js';
import type { ConsumerEnvironment } from './consumer-environment.js';
import { GroupReader } from './group-reader.js';
import { bindingField } from '../shared/binding-table.js';

const GROUP_NAME = /^[^\s]{1,200}$/;

/**
 * One group consumed by one bus instance: its streams (one per priority band) and Redis consumer
 * group, its bindings in the shared table, and a {@link GroupReader} once there is anything to read.
 * A service group outlives its instances (its streams and bindings stay, so messages wait for
 * the next one); a per-instance group is removed when its instance closes or dies.
 */
export class RedisConsumer implements Consumer {
  private readonly bindings = new Map<string, Binding>();
  private readonly streams: string[];
  private readonly holder: string;
  private prepared?: Promise<void>;
  private reader?: GroupReader;
  private starting?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly env: ConsumerEnvironment,
    private readonly subscription: GroupSubscription,
    private readonly handler: DeliveryHandler,
  ) {
    if (!GROUP_NAME.test(subscription.group)) {
      throw new InvalidOptionsError(`Group names on Redis are 1..200 chars without whitespace, got ${JSON.stringify(subscription.group)}`);
    }
    this.streams = env.keys.streams(subscription.group);
    // Bindings of a per-instance group name their instance, so they can be removed if it dies.
    this.holder = subscription.exclusive ? env.consumerName : '';
  }

  get group(): string {
    return this.subscription.group;
  }

  /** Makes the group's bindings and starts reading. A per-instance group waits for its first binding. */
  async open(): Promise<void> {
    if (!this.subscription.exclusive) void this.prepare();
    await Promise.all(this.subscription.bindings.map((binding) => this.bind(binding)));
    if (!this.subscription.exclusive) await this.startReading();
  }

  async bind(binding: Binding): Promise<void> {
    const field = bindingField(binding.kind, binding.pattern, this.group);
    if (this.bindings.has(field)) return;
    this.bindings.set(field, binding);
    // An event binding is routed by this instance at once, so a session's own publish reaches it;
    // a command or query binding only once Redis confirmed this group owns the topic.
    if (binding.kind === 'event') this.env.table.add(field);
    // Sent before the binding, on the same connection: a message routed here finds the streams.
    const prepared = this.prepare();
    const owned = await this.env.scripts.bind(binding.kind, binding.pattern, this.group, this.holder).catch((error: unknown) => {
      this.bindings.delete(field);
      this.env.table.remove(field);
      throw redisError(this.env.scrubber, `Could not bind ${binding.kind} "${binding.pattern}" for group ${this.group}`, error);
    });
    if (owned !== undefined) {
      this.bindings.delete(field);
      this.env.table.remove(field);
      throw new DuplicateHandlerError(binding.pattern, `group ${owned.owner}`, `group ${this.group}`);
    }
    this.env.table.add(field);
    await prepared;
    await this.startReading();
  }

  async unbind(binding: Binding): Promise<void> {
    const field = bindingField(binding.kind, binding.pattern, this.group);
    if (!this.bindings.delete(field)) return;
    this.env.table.remove(field);
    await this.env.scripts.unbind(binding.kind, binding.pattern, this.group).catch((error: unknown) => {
      throw redisError(this.env.scrubber, `Could not unbind ${binding.kind} "${binding.pattern}" for group ${this.group}`, error);
    });
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.stopReading();
    return Promise.resolve();
  }

  /**
   * Stops, lets handed-out messages be acked (up to `timeoutMs`), then leaves the group: a
   * per-instance group is deleted with its bindings; this instance's consumer is removed from a
   * service group when nothing is pending for it.
   */
  async close(timeoutMs: number): Promise<void> {
    await this.stop();
    await this.starting?.catch(() => undefined);
    await this.reader?.close(timeoutMs);
    const { env } = this;
    if (this.subscription.exclusive) {
      await Promise.all([...this.bindings.values()].map((binding) => this.unbind(binding)));
      if (this.prepared) {
        await env.client.hdel(env.keys.exclusiveGroups, this.group);
        await env.client.del(...this.streams);
      }
    } else if (this.prepared) {
      await env.scripts.dropConsumers(this.streams, this.group, env.consumerName, 0);
    }
  }

  /** Makes again what Redis may have lost (a restart without persistence, an expired lease). */
  async restore(): Promise<void> {
    if (this.prepared === undefined) return;
    this.prepared = this.createStreams();
    const made = [...this.bindings.values()].map(async (binding) => {
      const owned = await this.env.scripts.bind(binding.kind, binding.pattern, this.group, this.holder);
      if (owned !== undefined) {
        this.env.context.logger.error(`Group ${this.group} lost "${binding.pattern}" to group ${owned.owner} while Redis was away`);
      }
    });
    await Promise.all([this.prepared, ...made]);
  }

  private prepare(): Promise<void> {
    if (this.prepared === undefined) {
      this.prepared = this.createStreams();
      // Whoever needs the streams awaits this and sees the failure; none must go unhandled meanwhile.
      this.prepared.catch(() => undefined);
    }
    return this.prepared;
  }

  // One stream per band, each with the group's consumer group from the first entry, so nothing
  // added before the group existed is skipped.
  private createStreams(): Promise<void> {
    const { env } = this;
    const created = this.streams.map((stream) =>
      env.client.xgroup('CREATE', stream, this.group, '0', 'MKSTREAM').catch((error: unknown) => {
        if (!String((error as Error).message).startsWith('BUSYGROUP')) throw redisError(env.scrubber, `Could not create ${stream}`, error);
      }),
    );
    if (this.subscription.exclusive) created.push(env.client.hset(env.keys.exclusiveGroups, this.group, this.holder));
    return Promise.all(created).then(() => undefined);
  }

  private stopReading(): void {
    this.reader?.stop();
    this.env.readingGroups.delete(this.group);
  }

  private startReading(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.starting ??= (async () => {
      await this.prepare();
      const reader = new GroupReader(this.env, this.group, this.streams, this.handler, () => this.restore());
      await reader.start();
      this.reader = reader;
      this.env.readingGroups.add(this.group);
      if (this.stopped) this.stopReading();
    })();
    return this.starting;
  }
}
