import { Histogram, type Aggregator, type HistogramConfiguration } from 'prom-client';

type Exported = Awaited<ReturnType<Histogram<string>['get']>>;
import type { LiteHistogram } from './lite-histogram.js';

export interface HistogramSeries {
  labels: Record<string, string>;
  histogram: LiteHistogram;
}

/**
 * A prom-client histogram whose series are the bus's own bucket counts, read at scrape time:
 * prom-client's `observe()` validates and hashes labels on every call, too slow for the hot path.
 */
export class ExportedHistogram extends Histogram<string> {
  constructor(
    configuration: HistogramConfiguration<string>,
    private readonly series: () => Iterable<HistogramSeries>,
  ) {
    super(configuration);
  }

  async getForPromString(): Promise<Exported> {
    // Fields every prom-client metric has; the type declarations leave them out.
    const { name, help, aggregator } = this as unknown as { name: string; help: string; aggregator: Aggregator };
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const { labels, histogram } of this.series()) {
      let cumulative = 0;
      histogram.bounds.forEach((bound, index) => {
        cumulative += histogram.counts[index];
        values.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: histogram.count, metricName: `${name}_bucket` });
      values.push({ labels, value: histogram.sum, metricName: `${name}_sum` });
      values.push({ labels, value: histogram.count, metricName: `${name}_count` });
    }
    return { name, help, type: 'histogram', aggregator, values } as unknown as Exported;
  }

  override get(): Promise<Exported> {
    return this.getForPromString();
  }
}
