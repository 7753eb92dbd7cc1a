import type { DeadLetterReason } from '../../messages/dead-letter.js';

/**
 * Headers carrying envelope fields, the same on every broker that has headers (RabbitMQ, NATS);
 * on RabbitMQ id, reply address and content type are AMQP properties instead.
 */
export const EnvelopeHeaders = {
  kind: 'x-bus-kind',
  /** A request's conversation id: its AMQP correlation_id identifies the request itself. */
  correlationId: 'x-bus-correlation-id',
  topic: 'x-bus-topic',
  attempt: 'x-bus-attempt',
  maxAttempts: 'x-bus-max-attempts',
  priority: 'x-bus-priority',
  origin: 'x-bus-origin',
  causationId: 'x-bus-causation-id',
  sessionId: 'x-bus-session-id',
  deadline: 'x-bus-deadline',
  timestamp: 'x-bus-timestamp',
} as const;

/** The envelope fields a message's headers carry, as `normalizeInbound` takes them (it checks each). */
export function envelopeHeaderFields(wire: Readonly<Record<string, unknown>>) {
  return {
    kind: wire[EnvelopeHeaders.kind],
    correlationId: wire[EnvelopeHeaders.correlationId],
    causationId: wire[EnvelopeHeaders.causationId],
    sessionId: wire[EnvelopeHeaders.sessionId],
    timestamp: wire[EnvelopeHeaders.timestamp],
    origin: wire[EnvelopeHeaders.origin],
    priority: wire[EnvelopeHeaders.priority],
    deadline: wire[EnvelopeHeaders.deadline],
    attempt: wire[EnvelopeHeaders.attempt],
    maxAttempts: wire[EnvelopeHeaders.maxAttempts],
  };
}

/** Headers carrying a dead letter's own fields, next to the envelope's, on RabbitMQ and NATS. */
export const DeadLetterHeaders = {
  id: 'x-bus-dead-letter-id',
  reason: 'x-bus-dead-letter-reason',
  error: 'x-bus-dead-letter-error',
  errorCode: 'x-bus-dead-letter-error-code',
  at: 'x-bus-dead-lettered-at',
  handler: 'x-bus-dead-letter-handler',
  group: 'x-bus-dead-letter-group',
} as const;

const REASONS: ReadonlySet<string> = new Set(['ATTEMPTS_EXHAUSTED', 'UNRECOVERABLE', 'REJECTED', 'VALIDATION', 'EXPIRED', 'UNDECODABLE']);

/** True for a dead-letter reason the bus knows (a header read back from the broker may hold anything). */
export function isDeadLetterReason(value: unknown): value is DeadLetterReason {
  return typeof value === 'string' && REASONS.has(value);
}
