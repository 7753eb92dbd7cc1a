import type { BusPublisher } from './bus-publisher.js';
import { assertTopic } from '../routing/topic.js';
import type { MessageKind, PublishOptions } from './envelope.js';
import type { MessageContext } from './message-context.js';
import { newMessageId } from './message-id.js';
import { topicOf } from './topic.decorator.js';

/**
 * A message recorded now and sent later: by a saga once the step's new state is stored, by the
 * outbox relay once the transaction that wrote it committed.
 */
export interface DeferredMessage {
  kind: Extract<MessageKind, 'event' | 'command'>;
  topic: string;
  payload: unknown;
  options?: PublishOptions;
}

/** The message of a `publish`/`send` call (a topic and payload, or a `@Topic` instance), topic checked now. */
export function deferredMessage(
  kind: DeferredMessage['kind'],
  messageOrTopic: string | object,
  payloadOrOptions: unknown,
  options: PublishOptions | undefined,
): DeferredMessage {
  if (typeof messageOrTopic === 'string') {
    assertTopic(messageOrTopic);
    return { kind, topic: messageOrTopic, payload: payloadOrOptions, options };
  }
  return { kind, topic: topicOf(messageOrTopic), payload: messageOrTopic, options: payloadOrOptions as PublishOptions | undefined };
}

/** A deferred message whose id is fixed. */
export type StampedMessage = DeferredMessage & { options: PublishOptions & { messageId: string } };

/**
 * The message with what it would otherwise take from the moment it is sent fixed now: its id
 * (so every copy sent, and sent again, carries one id consumers deduplicate by) and its place in
 * the conversation of `parent`, the message being handled while it was recorded.
 */
export function stamped(message: DeferredMessage, parent: MessageContext | undefined): StampedMessage {
  const options: StampedMessage['options'] = { ...message.options, messageId: message.options?.messageId ?? newMessageId() };
  if (parent !== undefined) {
    options.correlationId ??= parent.correlationId;
    options.sessionId ??= parent.sessionId;
    options.causationId ??= parent.envelope.id;
  }
  return { ...message, options };
}

/** Publishes or sends a deferred message; resolves once the transport accepted it. */
export function sendDeferred(bus: BusPublisher, { kind, topic, payload, options }: DeferredMessage): Promise<void> {
  return kind === 'event' ? bus.publish(topic, payload, options) : bus.send(topic, payload, options);
}
