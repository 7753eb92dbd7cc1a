import { Topic } from 'nestjs-message-bus';

/** Asks the assistant to say `text` out loud. Sent with `execute`, so the caller gets an {@link Utterance}. */
@Topic('Speech.Speak', {
  // The payload as the AsyncAPI document (GET /bus-admin/asyncapi.yaml) states it; a class with
  // class-validator decorators gets its schema from them instead.
  schema: {
    type: 'object',
    required: ['text'],
    properties: { text: { type: 'string', minLength: 1, maxLength: 1000 } },
  },
})
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
