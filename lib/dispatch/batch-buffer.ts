import type { Delivery } from '../transports/contract/transport.js';
import type { BusMessageContext } from './message-context.js';

/** How an event handler takes its messages in batches. @publicApi */
export interface BatchOptions {
  /** Messages per batch: a full batch runs at once. */
  size: number;
  /** A partial batch runs this long after its first message arrived. */
  waitMs: number;
}

export interface BatchItem {
  delivery: Delivery;
  context: BusMessageContext;
}

/**
 * Collects the messages of one batch handler and hands them over when `size` are waiting or
 * `waitMs` after the first one. Each message's promise settles once its batch was handled.
 */
export class BatchBuffer {
  private items: (BatchItem & { settled: () => void })[] = [];
  private timer?: NodeJS.Timeout;
  private readonly flushDue = (): void => this.flush();

  constructor(
    private readonly options: BatchOptions,
    private readonly run: (items: BatchItem[]) => Promise<void>,
  ) {}

  add(delivery: Delivery, context: BusMessageContext): Promise<void> {
    return new Promise((settled) => {
      this.items.push({ delivery, context, settled });
      if (this.items.length >= this.options.size) this.flush();
      else this.timer ??= setTimeout(this.flushDue, this.options.waitMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.items;
    this.items = [];
    void this.run(batch).finally(() => batch.forEach((item) => item.settled()));
  }
}
