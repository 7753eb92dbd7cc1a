import { Topic } from 'nestjs-message-bus';

/** The text-to-speech engine started speaking. */
@Topic('TTS.Started')
export class TtsStarted {
  constructor(
    readonly utteranceId: string,
    readonly text: string,
  ) {}
}
