import type { BusLogger } from '../contract/transport.js';
import type { BindingTable } from '../shared/binding-table.js';
import type { BusScripts } from './redis-scripts.js';
import type { CredentialScrubber } from '../shared/credentials.js';

/**
 * Keeps a {@link BindingTable} in step with Redis: a snapshot at start and after every
 * reconnection of the subscriber, change notifications in between. Notifications that arrive
 * while a snapshot is read are held back and applied after it (those it already holds are
 * recognised by their version and skipped).
 */
export class BindingSync {
  private held?: string[];
  private reloading?: Promise<void>;

  constructor(
    private readonly table: BindingTable,
    private readonly scripts: BusScripts,
    private readonly logger: BusLogger,
    private readonly scrubber: CredentialScrubber,
  ) {}

  /** Handles a message of the bindings channel. */
  notify(message: string): void {
    if (this.held) {
      this.held.push(message);
      return;
    }
    this.apply(message);
  }

  /** Reads the whole table again. */
  reload(): Promise<void> {
    this.reloading ??= this.readSnapshot().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async readSnapshot(): Promise<void> {
    this.held = [];
    try {
      const { version, fields } = await this.scripts.loadBindings();
      this.table.replace(fields, version);
    } finally {
      const held = this.held;
      this.held = undefined;
      for (const message of held) this.apply(message);
    }
  }

  private apply(message: string): void {
    const outcome = this.table.apply(message);
    if (outcome === 'malformed') this.logger.warn(`Ignored a malformed binding change: ${JSON.stringify(message.slice(0, 200))}`);
    if (outcome === 'gap') {
      // After any snapshot being read now, which may predate the missed change.
      Promise.resolve(this.reloading)
        .then(() => this.reload())
        .catch((error: unknown) => this.logger.warn(`Reloading the binding table failed: ${this.scrubber.message(error)}`));
    }
  }
}
