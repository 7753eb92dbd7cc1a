import { Injectable } from '@nestjs/common';

/**
 * Counts handler calls inside the benchmarked application, so the harness knows when a burst
 * has been handled. Handlers of other events report `stray()`: any stray call is an error.
 */
@Injectable()
export class Probe {
  handled = 0;
  strays = 0;
  private target = 0;
  private reached?: () => void;

  hit(): void {
    if (++this.handled === this.target) this.reached?.();
  }

  /** A batch handler's call: `count` messages at once. */
  hits(count: number): void {
    const before = this.handled;
    this.handled += count;
    if (before < this.target && this.handled >= this.target) this.reached?.();
  }

  stray(): void {
    this.strays += 1;
  }

  /** Resolves once `count` more handler calls have happened. Call it before publishing. */
  expect(count: number): Promise<void> {
    this.target = this.handled + count;
    return new Promise((resolve) => {
      this.reached = resolve;
    });
  }
}
