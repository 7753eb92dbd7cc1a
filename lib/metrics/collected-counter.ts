import { Counter, type Registry } from 'prom-client';

/** A labelled value a collector reports. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/**
 * A prom-client counter whose values are read from plain numbers when scraped, so what it
 * counts costs an addition, not prom-client's label hashing.
 */
export function collectedCounter(registers: Registry[], name: string, help: string, labelNames: string[], read: () => Iterable<Sample>): Counter {
  return new Counter({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const { labels, value } of read()) this.inc(labels, value);
    },
  });
}
