import { Injectable } from '@nestjs/common';
import { EventHandler, type MessageContext } from 'nestjs-message-bus';
import { HistoryUpdated } from '../history/history-updated.event.js';
import { TtsFinished } from '../speech/tts-finished.event.js';
import { TtsStarted } from '../speech/tts-started.event.js';

export interface ScreenState {
  /** The text being (or last) spoken. */
  caption: string | null;
  speaking: boolean;
  /** Messages stored for the session of the caption. */
  messageCount: number;
}

/**
 * The assistant's display. Each running instance drives its own screen, so its handlers are
 * `broadcast`: every instance gets every event, where ordinary handlers of a service share
 * (compete for) one copy.
 */
@Injectable()
export class ScreenService {
  private state: ScreenState = { caption: null, speaking: false, messageCount: 0 };

  /** One method for two events: with an array the payload is not converted, `context.topic` tells them apart. */
  @EventHandler([TtsStarted, TtsFinished], { broadcast: true })
  showCaption(event: TtsStarted | TtsFinished, context: MessageContext): void {
    const speaking = context.topic === 'TTS.Started';
    this.state = { ...this.state, caption: event.text, speaking };
  }

  @EventHandler(HistoryUpdated, { broadcast: true })
  showCount(event: HistoryUpdated): void {
    this.state = { ...this.state, messageCount: event.messageCount };
  }

  show(): ScreenState {
    return { ...this.state };
  }
}
