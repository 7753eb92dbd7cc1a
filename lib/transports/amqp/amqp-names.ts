import { createHash } from 'node:crypto';
import type { MessageKind } from '../../messages/envelope.js';

/** Where a delay queue sends its messages when they expire: back to a group queue, or to a kind's exchange. */
export type DelayTarget = 'queue' | MessageKind;

/**
 * The header that routes a delayed message through the headers exchange into its delay queue.
 * Not `x-` prefixed: headers-exchange matching ignores such keys.
 */
export const DELAY_QUEUE_HEADER = 'bus-delay-queue';

const MAX_NAME_BYTES = 255;

/**
 * Every exchange and queue name of one bus namespace, derived from the configured exchange
 * and queue prefix so that two namespaces on one broker never meet.
 */
export class AmqpNames {
  /** Topic exchange of events; routing key = topic. */
  readonly events: string;
  /** Direct exchange of commands; routing key = topic. */
  readonly commands: string;
  /** Direct exchange of queries; routing key = topic. */
  readonly queries: string;
  /** Headers exchange in front of the delay queues. */
  readonly delay: string;
  /** Non-durable topic exchange of realtime events; routing key = topic. */
  readonly realtime: string;
  /** The queue every instance with realtime handlers consumes from, so its consumer count counts them. */
  readonly realtimePresence: string;

  constructor(
    exchange: string,
    private readonly prefix: string,
  ) {
    this.events = exchange;
    this.commands = `${exchange}.command`;
    this.queries = `${exchange}.query`;
    this.delay = `${exchange}.delay`;
    this.realtime = `${exchange}.realtime`;
    this.realtimePresence = bounded(`${prefix}.realtime.presence`);
  }

  exchangeOf(kind: MessageKind): string {
    return kind === 'event' ? this.events : kind === 'command' ? this.commands : this.queries;
  }

  /** The kind an exchange carries, for messages that do not say (plain AMQP publishers). */
  kindOfExchange(exchange: string): MessageKind | undefined {
    if (exchange === this.events) return 'event';
    if (exchange === this.commands) return 'command';
    if (exchange === this.queries) return 'query';
    return undefined;
  }

  groupQueue(group: string): string {
    return bounded(`${this.prefix}.${group}`);
  }

  deadLetterQueue(group: string): string {
    return bounded(`${this.prefix}.${group}.dead`);
  }

  delayQueue(delayMs: number, target: DelayTarget): string {
    return target === 'queue' ? `${this.prefix}.delay.${delayMs}` : `${this.prefix}.delay.${delayMs}.${target}`;
  }

  /** The marker queue whose arguments name the one group owning a command or query topic. */
  ownerQueue(kind: MessageKind, topic: string): string {
    return bounded(`${this.prefix}.owner.${kind}.${topic}`);
  }
}

// Topics and group names may be long; a name over the AMQP limit keeps a readable head and a hash.
function bounded(name: string): string {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const hash = createHash('sha256').update(name).digest('base64url').slice(0, 22);
  return `${name.slice(0, 200)}~${hash}`;
}

/**
 * The delay a delay queue is made for: `delayMs` rounded up to two significant digits (at most
 * 10% later), so retries with backoff and jitter share a few dozen queues instead of one per
 * millisecond value. Every message of a queue has the same TTL, so none waits behind another.
 */
export function delayBucket(delayMs: number): number {
  if (delayMs < 100) return Math.max(1, Math.ceil(delayMs));
  const step = 10 ** (Math.floor(Math.log10(delayMs)) - 1);
  return Math.ceil(delayMs / step) * step;
}
