import type { Message, XDeath } from 'amqplib';
import type { DeadLetter } from '../../messages/dead-letter.js';
import { DeadLetterHeaders, isDeadLetterReason } from '../shared/envelope-headers.js';
import type { EnvelopeMapping, OutgoingMessage } from './envelope-mapping.js';

/**
 * A dead letter as an AMQP message: the message as it was (body = payload, or the raw bytes of
 * an undecodable one) plus `x-bus-dead-letter-*` headers, so any AMQP tool can read the queue.
 */
export function encodeDeadLetter(mapping: EnvelopeMapping, letter: DeadLetter): OutgoingMessage {
  // The payload was accepted once; a limit lowered since must not lose the letter.
  const { content, options } = mapping.encode(letter.envelope, false);
  Object.assign(options.headers as Record<string, unknown>, {
    [DeadLetterHeaders.id]: letter.id,
    [DeadLetterHeaders.reason]: letter.reason,
    [DeadLetterHeaders.error]: letter.error?.message,
    [DeadLetterHeaders.errorCode]: letter.error?.code,
    [DeadLetterHeaders.at]: letter.deadLetteredAt,
    [DeadLetterHeaders.handler]: letter.handler,
    [DeadLetterHeaders.group]: letter.group,
  });
  return { content, options: { ...options, persistent: true, mandatory: true } };
}

/**
 * The dead letter a message of a dead-letter queue holds. Messages the broker dead-lettered
 * itself (a policy's TTL or length limit) have no bus headers: their `x-death` record says why.
 */
export function decodeDeadLetter(mapping: EnvelopeMapping, message: Message, group: string): DeadLetter {
  const headers = message.properties.headers ?? {};
  const death: XDeath | undefined = Array.isArray(headers['x-death']) ? (headers['x-death'][0] as XDeath) : undefined;
  const { envelope } = mapping.decode(message, death && { routingKey: death['routing-keys']?.[0], exchange: death.exchange });
  const id = headers[DeadLetterHeaders.id];
  if (typeof id === 'string') {
    const reason = headers[DeadLetterHeaders.reason];
    const error = headers[DeadLetterHeaders.error];
    const code = headers[DeadLetterHeaders.errorCode];
    const handler = headers[DeadLetterHeaders.handler];
    const letterGroup = headers[DeadLetterHeaders.group];
    const at = headers[DeadLetterHeaders.at];
    return {
      id,
      envelope,
      reason: isDeadLetterReason(reason) ? reason : 'REJECTED',
      error: typeof error === 'string' ? { message: error, code: typeof code === 'string' ? code : undefined } : undefined,
      deadLetteredAt: typeof at === 'number' ? at : envelope.timestamp,
      handler: typeof handler === 'string' ? handler : undefined,
      group: typeof letterGroup === 'string' ? letterGroup : group,
    };
  }
  const brokerReason = death?.reason ?? 'rejected';
  const deadLetteredAt = typeof death?.time?.value === 'number' ? death.time.value * 1000 : envelope.timestamp;
  return {
    // Stable across browses, so `take(id)` finds it again.
    id: `amqp:${envelope.id}:${deadLetteredAt}`,
    envelope,
    reason: brokerReason === 'expired' ? 'EXPIRED' : 'REJECTED',
    error: { message: `Dead-lettered by RabbitMQ (${brokerReason}) from queue ${death?.queue ?? 'unknown'}` },
    deadLetteredAt,
    group,
  };
}
