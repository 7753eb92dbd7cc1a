import { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY, type Envelope, type MessageKind, type PublishOptions } from '../messages/envelope.js';
import { newMessageId } from '../messages/message-id.js';
import { topicOf } from '../messages/topic.decorator.js';
import { assertTopic } from '../routing/topic.js';
import { assertInteger } from '../primitives/assert-integer.js';
import { InvalidOptionsError } from '../messages/errors.js';
import { messageScope } from './message-scope.js';

/**
 * A new envelope for a topic and payload, or for a `@Topic` instance (the instance is the payload).
 * Published while a handler runs, it inherits the handled message's correlation and session and
 * names it as its cause.
 */
export function buildEnvelope(
  kind: MessageKind,
  topicOrMessage: string | object,
  payload: unknown,
  options: PublishOptions | undefined,
  defaultMaxAttempts: number,
  requestId?: string,
): Envelope {
  let topic: string;
  if (typeof topicOrMessage === 'string') {
    assertTopic(topicOrMessage);
    topic = topicOrMessage;
  } else {
    topic = topicOf(topicOrMessage);
    payload = topicOrMessage;
  }
  if (options !== undefined) assertPublishOptions(options);
  const id = requestId ?? options?.messageId ?? newMessageId();
  const parent = messageScope.getStore();
  const timestamp = Date.now();
  return {
    id,
    topic,
    kind,
    payload,
    headers: options?.headers ? { ...options.headers } : {},
    correlationId: options?.correlationId ?? parent?.correlationId ?? id,
    causationId: options?.causationId ?? parent?.envelope.id,
    sessionId: options?.sessionId ?? parent?.sessionId,
    replyTo: undefined,
    timestamp,
    origin: options?.origin ?? 'internal',
    priority: options?.priority ?? DEFAULT_PRIORITY,
    deadline: options?.ttlMs === undefined ? undefined : timestamp + options.ttlMs,
    attempt: 1,
    maxAttempts: options?.maxAttempts ?? defaultMaxAttempts,
  };
}

/** Throws `InvalidOptionsError` for an option out of its range. */
export function assertPublishOptions(options: PublishOptions): void {
  if (options.priority !== undefined) assertInteger('priority', options.priority, MIN_PRIORITY, MAX_PRIORITY);
  if (options.maxAttempts !== undefined) assertInteger('maxAttempts', options.maxAttempts, 1);
  if (options.ttlMs !== undefined) assertInteger('ttlMs', options.ttlMs, 1);
  if (options.delayMs !== undefined) assertInteger('delayMs', options.delayMs, 0);
  assertId('messageId', options.messageId);
  assertId('causationId', options.causationId);
}

function assertId(name: string, value: string | undefined): void {
  if (value === undefined || (typeof value === 'string' && value.length > 0 && value.length <= 255)) return;
  throw new InvalidOptionsError(`${name} must be a string of 1..255 chars, got ${JSON.stringify(value)}`);
}
