import { Topic } from 'nestjs-message-bus';

/** Asks the history for the latest stored messages, of one session or of all. */
@Topic('DB.GetMessages')
export class GetMessages {
  constructor(
    readonly sessionId?: string,
    /** At most this many, the most recent ones; default 50. */
    readonly limit?: number,
  ) {}
}

/** One `TTS.*` event as the history keeps it. */
export interface StoredMessage {
  /** The id of the event's envelope. */
  id: string;
  topic: string;
  text: string | null;
  utteranceId: string | null;
  correlationId: string;
  causationId: string | null;
  sessionId: string | null;
  /** Epoch ms at publish. */
  timestamp: number;
}
