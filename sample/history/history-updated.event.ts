import { Topic } from 'nestjs-message-bus';

/** The history of a session changed; `messageCount` counts its stored messages. */
@Topic('History.Updated')
export class HistoryUpdated {
  constructor(
    readonly sessionId: string | null,
    readonly messageCount: number,
  ) {}
}
