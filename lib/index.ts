// Module and bus
export { MessageBusModule } from './message-bus.module.js';
export { MESSAGE_BUS_OPTIONS } from './message-bus.module-definition.js';
export type { BusOptions, MessageBusModuleOptions } from './message-bus.options.js';
export type { BackpressureStrategy, LogLevel } from './dispatch/engine-options.js';
export { MessageBus } from './message-bus.js';
export type { BusPublisher } from './messages/bus-publisher.js';
export type { BusProbe } from './dispatch/bus-engine.js';
export type { HandlerInfo } from './dispatch/handler-info.js';
export { BusSession, type SessionDefaults, type SessionHandler } from './dispatch/bus-session.js';
export { DeadLetters } from './dispatch/dead-letters.js';
export type { BusStats } from './dispatch/bus-stats.js';

// Declaring handlers and messages
export { CommandHandler } from './nest/command-handler.decorator.js';
export { EventHandler } from './nest/event-handler.decorator.js';
export { QueryHandler } from './nest/query-handler.decorator.js';
export type { HandlerTarget } from './nest/handler-metadata.js';
export type { HandlerOptions, IdempotencyKey } from './dispatch/handler.js';
export type { BatchOptions } from './dispatch/batch-buffer.js';
export type { CircuitBreakerOptions, CircuitState } from './dispatch/circuit-breaker.js';
export { MemoryIdempotencyStore } from './dispatch/idempotency.js';
export { currentIdempotencyKey } from './dispatch/idempotency-scope.js';
export type { RetryPolicy } from './dispatch/retry-policy.js';
export { Topic, type JsonSchema, type TopicOptions } from './messages/topic.decorator.js';
export { MessageCtx, Payload } from './nest/message-params.decorator.js';
export { isBusContext } from './nest/bus-context.js';
export { BUS_CONTEXT_TYPE, MESSAGE_CONTEXT } from './constants.js';

// Messages and results
export { MessageContext } from './messages/message-context.js';
export type { DeliveryMode, Envelope, MessageKind, MessageOrigin, PublishOptions, RequestOptions } from './messages/envelope.js';
export type { CommandResult, QueryResult } from './messages/results.js';
export type { DeadLetter, DeadLetterFilter, DeadLetterReason } from './messages/dead-letter.js';
export { JsonCodec, jsonCodec, type Codec } from './messages/codec.js';
export type { CodecRule } from './messages/codec-table.js';

// Errors
export {
  BusClosedError,
  DuplicateHandlerError,
  HandlerTimeoutError,
  InvalidHandlerError,
  InvalidOptionsError,
  InvalidPatternError,
  InvalidTopicError,
  InvalidTransportError,
  MessageBusError,
  MessageRejectedError,
  MessageValidationError,
  NoHandlerError,
  OverloadedError,
  PayloadTooLargeError,
  TransportUnresponsiveError,
  UnrecoverableError,
  type BusErrorCode,
} from './messages/errors.js';

// Operating
export { BusMetrics, type MetricsOptions } from './metrics/bus-metrics.js';
export { describeApplication } from './asyncapi/describe-application.js';
export type { AsyncApiDocument, DescribeOptions } from './asyncapi/asyncapi-document.js';

// Transports
export { MemoryTransport } from './transports/memory/memory.transport.js';
export { TransportError } from './transports/shared/transport.error.js';
// What an application hands the module; a transport's author finds the rest in nestjs-message-bus/transport.
export type { Transport, TransportConnection } from './transports/contract/transport.js';
