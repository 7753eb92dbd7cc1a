/**
 * The messages every peer handles, so all peers do the same work. Handlers of events,
 * commands and queries return or record `n`, the sequence number of the message.
 */
export interface Item {
  n: number;
}

/** Decodes an `Item` from a JSON body, as a raw client's consumer does. */
export function parseItem(json: string | Buffer): Item {
  const value: unknown = JSON.parse(json.toString());
  if (typeof value !== 'object' || value === null || !('n' in value) || typeof value.n !== 'number') {
    throw new Error(`not a bench item: ${json.toString()}`);
  }
  return { n: value.n };
}

/** Event topic of the fixed-topic event scenarios; its handlers subscribe to it exactly. */
export const EVENT_TOPIC = 'bench.event';
/** Pattern of the handlers of the distinct-topic scenarios, which publish `itemTopic(seq)`. */
export const ITEM_PATTERN = 'bench.item.*';
export const COMMAND_TOPIC = 'bench.cmd';
export const QUERY_TOPIC = 'bench.query';
/** Commands sent one way (`send`); their handler only counts. */
export const SEND_TOPIC = 'bench.send';
export const FLOOD_TOPIC = 'bench.flood';
export const OUTBOX_TOPIC = 'bench.outbox';

/** The batching the flow-control cost is measured with. */
export const BATCH = { size: 100, waitMs: 5 };
/** The circuit breaker whose hot-path cost is measured (its handler never fails). */
export const BREAKER = { failureThreshold: 5, resetTimeoutMs: 1000 };
/** The flood's bus: few handlers at once, a small queue, so backpressure applies quickly. */
export const FLOOD_BUS = { concurrency: 10, maxQueueSize: 10_000 };

export function itemTopic(seq: number): string {
  return `bench.item.${seq}`;
}

/**
 * `count` distinct patterns that match neither `EVENT_TOPIC` nor any `itemTopic`: exact topics,
 * `*` and `#` patterns, a third of them sharing the `bench.` prefix (or starting with `#`) so a
 * match has to walk past them instead of stopping at the first word.
 */
export function noisePatterns(count: number): string[] {
  const shapes = [
    (i: number) => `svc${i}.entity.created`,
    (i: number) => `svc${i}.*.updated`,
    (i: number) => `svc${i}.#`,
    (i: number) => `bench.item.${i}.done`,
    (i: number) => `bench.*.never${i}`,
    (i: number) => `#.never${i}`,
  ];
  return Array.from({ length: count }, (_, i) => shapes[i % shapes.length](i));
}
