import { Fifo } from '../primitives/fifo.js';

/** Limits how many executions of one handler run at once; waiters are served in arrival order. */
export class Semaphore {
  private running = 0;
  private readonly waiting = new Fifo<() => void>();

  constructor(private readonly limit: number) {}

  tryAcquire(): boolean {
    if (this.running >= this.limit) return false;
    this.running += 1;
    return true;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
