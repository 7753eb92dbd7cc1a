import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CommandHandler, MessageBus, UnrecoverableError, type MessageContext } from 'nestjs-message-bus';
import { SpeakCommand, type Utterance } from './speak.command.js';
import { TtsFinished } from './tts-finished.event.js';
import { TtsStarted } from './tts-started.event.js';

/** A speaking pace good enough for a fake engine: about 150 words a minute. */
const MS_PER_WORD = 400;

/** The assistant's voice: turns `Speech.Speak` commands into speech and tells the rest of the app about it. */
@Injectable()
export class SpeechService {
  constructor(private readonly bus: MessageBus) {}

  @CommandHandler(SpeakCommand)
  async speak(command: SpeakCommand, context: MessageContext): Promise<Utterance> {
    if (typeof command.text !== 'string' || command.text.trim() === '') {
      // Retrying cannot make empty text speakable: dead-letter it at once.
      throw new UnrecoverableError('Nothing to say: text is empty');
    }
    const utteranceId = randomUUID();
    // Events published while handling a message inherit its correlationId and sessionId, and
    // name it as their causationId: no ids are passed by hand.
    await this.bus.publish(new TtsStarted(utteranceId, command.text));
    const durationMs = await this.synthesize(command.text);
    await this.bus.publish(new TtsFinished(utteranceId, command.text, durationMs));
    return { utteranceId, sessionId: context.sessionId ?? null, text: command.text, durationMs };
  }

  /** Stands in for a real text-to-speech engine; resolves how long the speech lasted. */
  private synthesize(text: string): Promise<number> {
    const words = text.trim().split(/\s+/).length;
    return Promise.resolve(words * MS_PER_WORD);
  }
}
