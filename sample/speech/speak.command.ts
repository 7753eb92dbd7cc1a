import { Topic } from 'nestjs-message-bus';

/** Asks the assistant to say `text` out loud. Sent with `execute`, so the caller gets an {@link Utterance}. */
@Topic('Speech.Speak')
export class SpeakCommand {
  constructor(readonly text: string) {}
}

/** What `Speech.Speak` returns once the text has been spoken. */
export interface Utterance {
  utteranceId: string;
  sessionId: string | null;
  text: string;
  durationMs: number;
}
