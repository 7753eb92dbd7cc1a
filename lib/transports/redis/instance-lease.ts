import type { BusLogger } from '../contract/transport.js';
import type { RedisClient } from './redis-clients.js';
import type { RedisKeys } from './redis-keys.js';
import type { BusScripts } from './redis-scripts.js';
import type { CredentialScrubber } from '../shared/credentials.js';

/**
 * Keeps this instance known to be alive (a lease renewed every third of `instanceTtlMs`) and
 * removes the per-instance groups of instances whose lease ran out: a process killed without
 * closing leaves no stream behind that nobody reads. An instance that finds its own lease
 * expired (it stalled, or Redis lost its data) makes its groups again.
 */
export class InstanceLease {
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly client: RedisClient,
    private readonly scripts: BusScripts,
    private readonly keys: RedisKeys,
    private readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly logger: BusLogger,
    private readonly scrubber: CredentialScrubber,
    private readonly onLost: () => Promise<void>,
  ) {}

  async start(): Promise<void> {
    await this.scripts.renewLease(this.instanceId, this.ttlMs);
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await this.client.zrem(this.keys.instances, this.instanceId);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule();
      });
    }, Math.floor(this.ttlMs / 3));
  }

  private async tick(): Promise<void> {
    try {
      if (!(await this.scripts.renewLease(this.instanceId, this.ttlMs))) {
        this.logger.warn(`Instance ${this.instanceId} was taken for dead (lease expired): restoring its groups`);
        await this.onLost();
      }
      const reaped = await this.scripts.reapInstances();
      if (reaped > 0) this.logger.log(`Removed the per-instance groups of ${reaped} instance(s) that stopped renewing their lease`);
    } catch (error) {
      this.logger.warn(`Renewing the instance lease failed: ${this.scrubber.message(error)}`);
    }
  }
}
