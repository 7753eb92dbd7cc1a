import { Injectable } from '@nestjs/common';
import { EventHandler, type MessageContext } from 'nestjs-message-bus';

/** `agents.v1.AgentStatus` as the handler receives it: the codec's JSON-safe object. */
export interface AgentStatus {
  agentId: string;
  state: 'AGENT_STATE_UNSPECIFIED' | 'AGENT_STATE_IDLE' | 'AGENT_STATE_BUSY';
  sequence: string;
  skills: string[];
  labels: Record<string, string>;
  blob: string;
}

/** A typed handler of `agent.status`, whatever codec its messages came in. */
@Injectable()
export class AgentWatcher {
  readonly seen: { status: AgentStatus; context: MessageContext }[] = [];
  @EventHandler('agent.status')
  onStatus(status: AgentStatus, context: MessageContext) {
    this.seen.push({ status, context });
  }
}
