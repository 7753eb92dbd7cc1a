/** The kinds of message: an event fans out, a command is handled once, a query is answered. */
export const MESSAGE_KINDS = ['event', 'command', 'query'] as const;

/** What a message asks for; one of {@link MESSAGE_KINDS}. @publicApi */
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Where a message can come from: this application, a non-bus producer, or the bus itself. */
export const MESSAGE_ORIGINS = ['internal', 'external', 'system'] as const;

/** Where a message came from; one of {@link MESSAGE_ORIGINS}. @publicApi */
export type MessageOrigin = (typeof MESSAGE_ORIGINS)[number];

/** Message and handler priorities run from MIN_PRIORITY to MAX_PRIORITY, lower first. */
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 99;
/** The priority of a message or handler that names none. */
export const DEFAULT_PRIORITY = 50;

/** The one key of a binding or ownership: a kind and a topic or pattern. */
export function bindingKey(binding: { kind: MessageKind; pattern: string }): string {
  return `${binding.kind} ${binding.pattern}`;
}

/**
 * A message as it travels: the payload plus routing, correlation and retry state.
 * @publicApi
 */
export interface Envelope<T = unknown> {
  id: string;
  topic: string;
  kind: MessageKind;
  payload: T;
  headers: Record<string, string>;
  /** Shared by every message of one causal chain; defaults to the id of the first one. */
  correlationId: string;
  /** Id of the message whose handler published this one. */
  causationId?: string;
  sessionId?: string;
  /** Where the answer of a query or `execute` goes; set by the bus. */
  replyTo?: string;
  /** Epoch ms at publish. */
  timestamp: number;
  origin: MessageOrigin;
  /** 0..99, lower runs first. */
  priority: number;
  /** Epoch ms; a message still queued past it is dead-lettered as `EXPIRED`, never handled. */
  deadline?: number;
  /** 1 on first delivery. */
  attempt: number;
  maxAttempts: number;
}

/**
 * Per-message options of `publish`, `send`, `execute` and `request`.
 * @publicApi
 */
export interface PublishOptions {
  /** 0..99, lower runs first; default 50. */
  priority?: number;
  /** Attempts before the message is dead-lettered (a handler's own `retry.maxAttempts` wins). */
  maxAttempts?: number;
  /** Dead-letter the message as `EXPIRED` if it is still queued this long after publish. */
  ttlMs?: number;
  /** Deliver no earlier than this many ms from now. */
  delayMs?: number;
  headers?: Record<string, string>;
  /** Join an existing conversation; by default the message handled right now supplies it. */
  correlationId?: string;
  sessionId?: string;
  origin?: MessageOrigin;
  /**
   * Events only. `durable` (default): through the groups' queues, at least once, retried.
   * `realtime`: to the `delivery: 'realtime'` handlers of every live instance, at most once,
   * never retried; `publish` then resolves how many instances received it. `both`: each way once.
   */
  delivery?: DeliveryMode;
  /**
   * `publish` and `send` only: the message's id, instead of a new one. For a message recorded
   * earlier and sent now (the outbox forwards each row under the row's id), so that every copy
   * of it carries one id consumers can deduplicate by; 1..255 chars.
   */
  messageId?: string;
  /** With `messageId`: the message that caused this one, when it is not the one handled right now. */
  causationId?: string;
}

/** How an event travels: see `PublishOptions.delivery`. @publicApi */
export type DeliveryMode = 'durable' | 'realtime' | 'both';

/** Options of `request` and `execute` (their message id is the request's own). @publicApi */
export interface RequestOptions extends Omit<PublishOptions, 'messageId'> {
  /** How long to wait for the answer; default 5000 ms for `request`, 30000 ms for `execute`. */
  timeoutMs?: number;
}

/** Headers the bus reserves for itself. */
export const BusHeaders = {
  /** A retried copy runs only this handler, so the others of its event are not re-run. */
  targetHandler: 'x-bus-handler',
} as const;
