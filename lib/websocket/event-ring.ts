/** One event frame kept for clients that reconnect. */
export interface RingEntry {
  id: string;
  topic: string;
  frame: Buffer;
  /** Epoch ms when the bridge received it. */
  at: number;
}

export interface EventRingLimits {
  windowMs: number;
  maxEvents: number;
  maxBytes: number;
}

/**
 * The bridge's recent event frames, oldest first, bounded by age, count and bytes, so a client
 * back from a short disconnection can ask for what it missed after the last id it saw.
 */
export class EventRing {
  private readonly entries: RingEntry[] = [];
  private bytes = 0;

  constructor(
    private readonly limits: EventRingLimits,
    private readonly now: () => number = Date.now,
  ) {}

  add(id: string, topic: string, frame: Buffer): void {
    if (this.limits.maxEvents === 0) return;
    this.entries.push({ id, topic, frame, at: this.now() });
    this.bytes += frame.length;
    this.evict();
  }

  /**
   * The entries after `lastId`, oldest first; `undefined` when `lastId` is not (or no longer)
   * in the window, so the caller cannot tell what was missed.
   */
  after(lastId: string): RingEntry[] | undefined {
    this.evict();
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i].id === lastId) return this.entries.slice(i + 1);
    }
    return undefined;
  }

  private evict(): void {
    const { windowMs, maxEvents, maxBytes } = this.limits;
    const oldest = this.now() - windowMs;
    const { entries } = this;
    while (entries.length > 0 && (entries.length > maxEvents || this.bytes > maxBytes || entries[0].at < oldest)) {
      this.bytes -= (entries.shift() as RingEntry).frame.length;
    }
  }
}
