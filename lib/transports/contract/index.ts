// nestjs-message-bus/transport: what a transport implements, and what it is handed.
export type {
  Binding,
  BusLogger,
  Consumer,
  DeadLetterStore,
  Delivery,
  DeliveryHandler,
  GroupSubscription,
  Reply,
  Transport,
  TransportConnection,
  TransportContext,
  TransportServer,
} from './transport.js';
export type { ClaimResult, IdempotencyStore } from './idempotency-store.js';
export type { Envelope, MessageKind, MessageOrigin } from '../../messages/envelope.js';
export type { DeadLetter, DeadLetterFilter, DeadLetterReason } from '../../messages/dead-letter.js';
export type { QueryResult } from '../../messages/results.js';
export { JsonCodec, jsonCodec, type Codec } from '../../messages/codec.js';
export type { CodecTable } from '../../messages/codec-table.js';
export {
  normalizeInbound,
  type Inbound,
  type InboundDefaults,
  type InboundFields,
  type InboundLimits,
} from '../../messages/inbound.js';
export {
  DeadLetterWriter,
  MAX_LETTER_ERROR_LENGTH,
  type DeadLetterWriterHooks,
  type LetterSettlement,
} from './dead-letter-writer.js';
export { TransportError } from '../shared/transport.error.js';
