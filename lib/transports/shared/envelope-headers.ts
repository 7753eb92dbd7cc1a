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
