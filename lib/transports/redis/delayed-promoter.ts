import type { BusLogger } from '../contract/transport.js';
import type { BusScripts } from './redis-scripts.js';
import { netstrings, type EntryFields } from './stream-entry.js';
import type { CredentialScrubber } from '../shared/credentials.js';

// Due messages moved per script call; a full batch is followed by another call at once.
const BATCH = 500;

/**
 * Moves delayed messages (retries waiting for their backoff, `delayMs`) from the shared sorted
 * set to their group streams once due. Every instance runs one: it wakes when its own next
 * message is due, and at least every `pollMs` for those scheduled by others, so a retry is
 * delivered even if the instance that scheduled it died.
 */
export class DelayedPromoter {
  private timer?: NodeJS.Timeout;
  private dueAt = Infinity;
  private running?: Promise<void>;
  private rerun = false;
  private stopped = false;

  constructor(
    private readonly scripts: BusScripts,
    private readonly pollMs: number,
    private readonly logger: BusLogger,
    private readonly scrubber: CredentialScrubber,
  ) {}

  start(): void {
    this.wakeIn(0);
  }

  /** Makes sure a promotion runs within `delayMs` (a message was just scheduled that far out). */
  wakeIn(delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (at >= this.dueAt) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, delayMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private fire(): void {
    this.dueAt = Infinity;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = this.promote().finally(() => {
      this.running = undefined;
      if (this.rerun) {
        this.rerun = false;
        this.wakeIn(0);
      }
    });
  }

  private async promote(): Promise<void> {
    let next = this.pollMs;
    try {
      for (;;) {
        const { moved, dropped, nextInMs } = await this.scripts.promote(BATCH);
        if (dropped > 0) this.logger.warn(`${dropped} delayed message(s) dropped: their group is gone`);
        if (nextInMs >= 0) next = Math.min(next, nextInMs);
        if (moved + dropped < BATCH || this.stopped) break;
      }
    } catch (error) {
      this.logger.warn(`Moving due delayed messages failed: ${this.scrubber.message(error)}`);
    }
    this.wakeIn(next);
  }
}

/**
 * A member of the delayed set: netstrings (`length:bytes`) of a nonce (so equal messages stay
 * distinct), the target stream, then the entry fields — binary-safe for any codec.
 */
export function delayedMember(nonce: string, stream: string, fields: EntryFields): Buffer {
  return netstrings([nonce, stream, ...fields]);
}
