import { Topic } from 'nestjs-message-bus';

/** The text-to-speech engine finished speaking. */
@Topic('TTS.Finished')
export class TtsFinished {
  constructor(
    readonly utteranceId: string,
    readonly text: string,
    readonly durationMs: number,
  ) {}
}
