// What an application needs. A transport's author, a test's author and an integration find the
// rest on the subpaths (nestjs-message-bus/transport, /testing, /health, /admin...).
// Module and bus
export { MessageBusModule } from './message-bus.module.js';
export type { BusOptions, MessageBusModuleOptions } from './message-bus.options.js';
export { MessageBus } from './message-bus.js';
export { BusSession } from './dispatch/bus-session.js';
export { DeadLetters } from './dispatch/dead-letters.js';
export type { BusStats } from './dispatch/bus-stats.js';

// Declaring handlers and messages
export { CommandHandler } from './nest/command-handler.decorator.js';
export { EventHandler } from './nest/event-handler.decorator.js';
export { QueryHandler } from './nest/query-handler.decorator.js';
export type { HandlerOptions } from './dispatch/handler.js';
export { currentIdempotencyKey } from './dispatch/idempotency-scope.js';
export { Topic } from './messages/topic.decorator.js';
export { MessageCtx, Payload } from './nest/message-params.decorator.js';
export { isBusContext } from './nest/bus-context.js';
export { MESSAGE_CONTEXT } from './constants.js';

// Messages and results
export { MessageContext } from './messages/message-context.js';
export type { Envelope, PublishOptions, RequestOptions } from './messages/envelope.js';
export type { CommandResult, QueryResult } from './messages/results.js';
export type { DeadLetter, DeadLetterReason } from './messages/dead-letter.js';

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
export { BusMetrics } from './metrics/bus-metrics.js';
export { describeApplication } from './asyncapi/describe-application.js';

// Transports
export { MemoryTransport } from './transports/memory/memory.transport.js';
export { TransportError } from './transports/shared/transport.error.js';
// What an application hands the module; a transport's author finds the rest in nestjs-message-bus/transport.
export type { Transport } from './transports/contract/transport.js';
