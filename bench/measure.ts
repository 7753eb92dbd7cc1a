/** Monotonic nanoseconds. */
export function now(): bigint {
  return process.hrtime.bigint();
}

/** Awaits `step` over and over for at least `ms` (whole steps only); returns the elapsed ns. */
export async function repeatFor(ms: number, step: () => Promise<void>): Promise<number> {
  const start = now();
  const end = start + BigInt(Math.round(ms * 1e6));
  let current: bigint;
  do {
    await step();
    current = now();
  } while (current < end);
  return Number(current - start);
}

/**
 * CPU time this process used per wall-clock time since `cpuMeter()`; well under 1 means the
 * run was preempted (another process on the machine), above 1 means GC helper threads worked.
 */
export function cpuMeter(): { share(elapsedNs: number): number } {
  const start = process.cpuUsage();
  return {
    share(elapsedNs) {
      const used = process.cpuUsage(start);
      return ((used.user + used.system) * 1e3) / elapsedNs;
    },
  };
}

/** A full collection between warm-up and measurement, when node runs with --expose-gc. */
export function collectGarbage(): void {
  globalThis.gc?.();
}

/** Lets already-queued callbacks (late or duplicate deliveries) run before counts are checked. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

/** The value at quantile `q` (nearest rank) of ascending `sorted`. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no samples');
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/** Median of the runs of one metric: the middle value, or the mean of the two middle ones. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The largest resident set size seen: sampled every `intervalMs`, and whenever `sample()` is called. */
export function rssPeak(intervalMs: number): { sample(): void; stop(): number } {
  let peak = process.memoryUsage.rss();
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  return {
    sample,
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
