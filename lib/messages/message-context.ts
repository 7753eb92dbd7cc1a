import type { BusPublisher } from './bus-publisher.js';
import type { Envelope } from './envelope.js';

/**
 * What a handler receives as its second argument. A class, not an interface, so it can type a
 * parameter of a decorated handler under `isolatedModules` + `emitDecoratorMetadata` (Nest's
 * CLI defaults) with a plain import; the bus creates the instances.
 * @publicApi
 */
export abstract class MessageContext {
  abstract readonly envelope: Envelope;
  abstract readonly topic: string;
  abstract readonly attempt: number;
  abstract readonly correlationId: string;
  abstract readonly sessionId?: string;
  /** The bus, to publish follow-up messages (they inherit correlation and session). */
  abstract readonly bus: BusPublisher;
}
