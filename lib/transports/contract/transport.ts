import type { IdempotencyStore } from './idempotency-store.js';
import type { Codec } from '../../messages/codec.js';
import type { CodecTable } from '../../messages/codec-table.js';
import type { DeadLetter, DeadLetterFilter } from '../../messages/dead-letter.js';
import type { Envelope, MessageKind } from '../../messages/envelope.js';
import type { QueryResult } from '../../messages/results.js';

/** The logging a transport and the dispatcher need; Nest's `Logger` fits. @publicApi */
export interface BusLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
  debug?(message: string): void;
}

/** A group's interest in messages of one kind whose topic matches `pattern`. @publicApi */
export interface Binding {
  kind: MessageKind;
  pattern: string;
}

/**
 * A consumer group: every group bound to a topic gets its own copy of each message, and the
 * consumers of one group compete for it. An `exclusive` group belongs to one bus instance.
 * @publicApi
 */
export interface GroupSubscription {
  group: string;
  bindings: Binding[];
  exclusive: boolean;
  /**
   * The group of this instance's realtime handlers (exclusive too): it takes what
   * `publishRealtime` sends, at most once, and nothing `publish` sends.
   */
  realtime?: boolean;
}

/** One message handed to one consumer, to be acknowledged once it is settled. @publicApi */
export interface Delivery {
  readonly envelope: Envelope;
  readonly group: string;
  /** Done with the message: handled, rescheduled or dead-lettered. */
  ack(): void | Promise<void>;
  /**
   * The bus could not settle the message (its dead letter could not be stored, its retry or
   * reply not published): the broker keeps it, and a later `ack` does nothing. Without it, the
   * message is acked.
   */
  release?(): void;
  /** The payload's bytes as received, for a dead letter when the payload cannot be encoded again. */
  rawPayload?(): Buffer | undefined;
}

/** What the dispatcher gives a transport for each delivery; a promise means "wait before more". */
export type DeliveryHandler = (delivery: Delivery) => void | Promise<void>;

/** A running consumer of one group. @publicApi */
export interface Consumer {
  bind(binding: Binding): void | Promise<void>;
  unbind(binding: Binding): void | Promise<void>;
  /** Stop taking new deliveries; those handed out already are still acked. */
  stop(): Promise<void>;
}

/** The answer to a query or `execute`, routed back to the requester's reply address. @publicApi */
export interface Reply {
  requestId: string;
  result: QueryResult<unknown>;
}

/** Where dead letters are kept: in the broker when there is one. @publicApi */
export interface DeadLetterStore {
  add(letter: DeadLetter): void | Promise<void>;
  list(filter?: DeadLetterFilter & { limit?: number }): Promise<DeadLetter[]>;
  count(filter?: DeadLetterFilter): Promise<number>;
  /** Removes and returns the selected letters (by dead-letter id or filter), for replay. */
  take(selector: string | DeadLetterFilter): Promise<DeadLetter[]>;
  purge(filter?: DeadLetterFilter): Promise<number>;
}

/** What the bus tells a transport when it connects. @publicApi */
export interface TransportContext {
  serviceName: string;
  instanceId: string;
  /** Messages the bus handles at once; a broker transport sizes what it prefetches on it. */
  concurrency: number;
  /** The module's default `maxAttempts`, for messages from outside that carry none. */
  maxAttempts: number;
  logger: BusLogger;
  /** The module codec; replies travel in it. */
  codec: Codec;
  /** The codec of each topic, and of each inbound content type. */
  codecs: CodecTable;
  maxPayloadBytes: number;
  deadLetters: { maxSize: number; ttlMs: number };
  /** Called with every reply addressed to this connection. */
  onReply(reply: Reply): void;
  /** Called when dead letters are evicted to honour `maxSize`/`ttlMs`. */
  onDeadLettersDropped(count: number): void;
  /** Called when the transport itself dead-letters a message (undecodable, its consumers kept dying), once stored. */
  onDeadLettered(letter: DeadLetter): void;
  /** Called when a dead letter the transport made could not be stored (the message was left to the broker). */
  onDeadLetterFailed(letter: DeadLetter, error: Error): void;
  /** Called when an ack or reject is dropped because the delivery's channel is gone (the broker redelivers it). */
  onStaleAck(): void;
}

/**
 * One bus instance's link to the transport. Methods may answer synchronously, which keeps the
 * in-memory transport free of promise overhead; callers handle both forms.
 * @publicApi
 */
export interface TransportConnection {
  /** The address replies to this instance's requests are sent to. */
  readonly replyAddress: string;
  readonly deadLetters: DeadLetterStore;
  /** A store shared by every instance, for idempotent handlers (the default when given). */
  readonly idempotency?: IdempotencyStore;
  /** Routes the message to every group bound to its kind and topic; resolves how many. */
  publish(envelope: Envelope, delayMs?: number): number | Promise<number>;
  /**
   * Sends an event, at most once, to the realtime groups bound to its topic (one per live
   * instance); resolves how many instances received it. Absent: the transport has no realtime delivery.
   */
  publishRealtime?(envelope: Envelope): number | Promise<number>;
  consume(subscription: GroupSubscription, handler: DeliveryHandler): Consumer | Promise<Consumer>;
  /** Delivers `envelope` to `group` alone, after `delayMs` (retries and replays). */
  schedule(group: string, envelope: Envelope, delayMs: number): void | Promise<void>;
  reply(address: string, reply: Reply): void | Promise<void>;
  /** Round trip to the broker, in ms. */
  ping(): Promise<number>;
  /** Stops consumers, waits for what they handed out to be acked, then disconnects. */
  close(): Promise<void>;
}

/**
 * A way to move envelopes. Constructing one does no I/O; each bus instance calls `connect`.
 * @publicApi
 */
export interface Transport {
  readonly name: string;
  /** Where it connects, for `bus.describe()`: no credentials, ever. */
  readonly server?: TransportServer;
  connect(context: TransportContext): Promise<TransportConnection>;
}

/**
 * A transport's broker as an AsyncAPI server: protocol, host (with port) and path, never a
 * user name or password.
 * @publicApi
 */
export interface TransportServer {
  protocol: string;
  host: string;
  pathname?: string;
}
