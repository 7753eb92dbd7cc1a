/**
 * What a consumer's close waits on: the deliveries it handed out reaching zero, each wait bounded
 * by its own deadline. The count stays with its owner (a counter, a map of holds), which calls
 * `reachedZero()` when it gets there.
 */
export class InFlightLatch {
  private readonly waiters: (() => void)[] = [];

  /** Resolves at the next `reachedZero()`, or after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }

  /** Nothing is in flight any more: wakes every waiter. */
  reachedZero(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
