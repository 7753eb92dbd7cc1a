import type { Envelope } from './envelope.js';

/** Why a message ended in the dead letters. @publicApi */
export type DeadLetterReason =
  | 'ATTEMPTS_EXHAUSTED'
  | 'UNRECOVERABLE'
  | 'REJECTED'
  | 'VALIDATION'
  | 'EXPIRED'
  | 'UNDECODABLE';

/**
 * A message that will not be handled again unless replayed.
 * @publicApi
 */
export interface DeadLetter {
  id: string;
  envelope: Envelope;
  reason: DeadLetterReason;
  error?: { message: string; code?: string };
  /** Epoch ms. */
  deadLetteredAt: number;
  /** The handler that gave up on it (`Class.method`). */
  handler?: string;
  /** The consumer group it was delivered to; a replay goes back to this group only. */
  group?: string;
}

/** Selects dead letters by topic; an empty filter selects all. @publicApi */
export interface DeadLetterFilter {
  topic?: string;
}
