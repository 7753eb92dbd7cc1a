import type { HandlerOptions } from 'nestjs-message-bus';
import type { NatsTransportOptions } from 'nestjs-message-bus/nats';
import type { RedisTransportOptions } from 'nestjs-message-bus/redis';

/** How a child application is set up. */
export interface ChildConfig {
  /** Names the child in its reports. */
  name: string;
  serviceName: string;
  /** Which handler sets it has: `worker` (command work.do), `listener` (events news.*), `answerer` (query who.answers). */
  roles: ('worker' | 'listener' | 'answerer')[];
  /** Redis options; `nats` instead runs the child on NATS JetStream. */
  transport: Omit<RedisTransportOptions, 'createClient'>;
  nats?: NatsTransportOptions;
  retry?: HandlerOptions['retry'];
}

export interface WorkPayload {
  n: number;
  /** The child of this name never finishes the message. */
  hangIn?: string;
  /** Attempts before this one fail. */
  failUntilAttempt?: number;
}

export type ChildRequest = { id: number } & (
  | { op: 'send' | 'publish' | 'request' | 'execute'; topic: string; payload: unknown }
  | { op: 'close' }
);

export interface HandledReport {
  type: 'handled';
  name: string;
  topic: string;
  n: number;
  attempt: number;
  copy?: 'group' | 'broadcast';
}

export type ChildReport =
  | { type: 'ready'; name: string; pid: number }
  | HandledReport
  | { type: 'log'; line: string }
  | { type: 'reply'; id: number; ok: boolean; value: unknown };
