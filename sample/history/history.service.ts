import { Injectable } from '@nestjs/common';
import { EventHandler, MessageBus, QueryHandler, type MessageContext } from 'nestjs-message-bus';
import { TtsFinished } from '../speech/tts-finished.event.js';
import { GetMessages, type StoredMessage } from './get-messages.query.js';
import { HistoryUpdated } from './history-updated.event.js';

const DEFAULT_LIMIT = 50;

/** What a `TTS.*` payload may hold: ours carry both, one published through `POST /events` anything. */
interface SpokenPayload {
  text?: unknown;
  utteranceId?: unknown;
}

/**
 * The assistant's message database (kept in memory here): it stores every `TTS.*` event and
 * answers `DB.GetMessages`.
 */
@Injectable()
export class HistoryService {
  private readonly messages: StoredMessage[] = [];

  constructor(private readonly bus: MessageBus) {}

  /**
   * Priority 10: lower runs first, so among the handlers of one event this one stores it
   * before any other (such as `announce` below) looks at the history.
   */
  @EventHandler('TTS.*', 10)
  record(payload: SpokenPayload | null, { envelope }: MessageContext): void {
    this.messages.push({
      id: envelope.id,
      topic: envelope.topic,
      text: typeof payload?.text === 'string' ? payload.text : null,
      utteranceId: typeof payload?.utteranceId === 'string' ? payload.utteranceId : null,
      correlationId: envelope.correlationId,
      causationId: envelope.causationId ?? null,
      sessionId: envelope.sessionId ?? null,
      timestamp: envelope.timestamp,
    });
  }

  /** Priority 90: runs after `record` has stored this very event, so the count includes it. */
  @EventHandler(TtsFinished, 90)
  async announce(_event: TtsFinished, { sessionId }: MessageContext): Promise<void> {
    const count = this.select(sessionId).length;
    await this.bus.publish(new HistoryUpdated(sessionId ?? null, count));
  }

  /** The last `limit` messages (of `sessionId` if given), oldest first. */
  @QueryHandler(GetMessages)
  find(query: GetMessages): StoredMessage[] {
    const { sessionId, limit } = query;
    const count = typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_LIMIT;
    return this.select(sessionId).slice(-count);
  }

  private select(sessionId: string | undefined): StoredMessage[] {
    return sessionId === undefined ? this.messages : this.messages.filter((message) => message.sessionId === sessionId);
  }
}
