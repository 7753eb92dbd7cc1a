import type { MessageContext } from '../messages/message-context.js';
import { UnrecoverableError } from '../messages/errors.js';
import type { MessageBus } from '../message-bus.js';
import { SagaConflictError } from './saga.errors.js';
import type { SagaStore, StoredSaga } from './saga-store.js';
import { sendDeferred, stamped, type DeferredMessage } from '../messages/deferred-message.js';
import { sagaScope, type SagaStep } from './saga-step.js';

/** What is stored per saga instance (as JSON). */
interface SagaRecord {
  state: unknown;
  /** Ids of the latest messages applied, so a redelivered one is not applied twice. */
  handled: string[];
  /** Messages of the last step not yet confirmed sent; sent (again) by the next step. */
  pending: DeferredMessage[];
  /** Set when the instance completed but its last messages may not have left yet. */
  completed?: true;
}

/**
 * Counters of the sagas of one application.
 * @publicApi
 */
export interface SagaStats {
  /** Instances created. */
  started: number;
  /** Steps applied and stored. */
  applied: number;
  /** Instances completed (state removed). */
  completed: number;
  /** Writes that lost to a concurrent update of the same instance (each was handled again). */
  conflicts: number;
  /** Redelivered messages an instance had applied already. */
  duplicates: number;
  /** Messages that correlated to no running instance and do not start one. */
  ignored: number;
}

/** Counters at zero. */
export function newSagaStats(): SagaStats {
  return { started: 0, applied: 0, completed: 0, conflicts: 0, duplicates: 0, ignored: 0 };
}

export interface SagaRunnerOptions {
  /** Immediate reload-and-retry rounds on a conflict before the message goes back to the bus. */
  conflictRetries: number;
  /** How many applied message ids an instance remembers. */
  handledWindow: number;
}

/** One step of a saga as the runner calls it: the saga method bound to its provider. */
export interface RunnableStep {
  starts: boolean;
  correlate(message: unknown, context: MessageContext): string | number;
  invoke(message: unknown, context: MessageContext): unknown;
}

/**
 * Applies messages to saga instances: load, run the step on the loaded state, compare-and-set
 * the new state, then send what the step asked for. A lost race reloads and runs the step again,
 * so every message is applied exactly once to the state; outgoing messages are stored with the
 * state first, so none is lost when the process dies before they left (they are sent, maybe
 * again, by the next step: at least once).
 */
export class SagaRunner {
  constructor(
    private readonly sagaName: string,
    private readonly store: SagaStore,
    private readonly bus: MessageBus,
    private readonly stats: SagaStats,
    private readonly options: SagaRunnerOptions,
  ) {}

  async handle(step: RunnableStep, message: unknown, context: MessageContext): Promise<void> {
    const sagaId = this.correlationOf(step, message, context);
    for (let round = 1; round <= this.options.conflictRetries + 1; round++) {
      if (await this.tryApply(step, sagaId, message, context)) return;
      this.stats.conflicts += 1;
    }
    throw new SagaConflictError(this.sagaName, sagaId, this.options.conflictRetries + 1);
  }

  /** One round; `false` when another instance updated the saga meanwhile. */
  private async tryApply(step: RunnableStep, sagaId: string, message: unknown, context: MessageContext): Promise<boolean> {
    let stored = await this.store.load(this.sagaName, sagaId);
    let record = stored === undefined ? undefined : (JSON.parse(stored.data) as SagaRecord);
    if (stored !== undefined && record !== undefined && (record.pending.length > 0 || record.completed)) {
      await this.flush(record.pending);
      if (record.completed) {
        if (!(await this.store.remove(this.sagaName, sagaId, stored.version))) return false;
        this.stats.completed += 1;
        stored = record = undefined;
      }
    }
    if (record === undefined && !step.starts) {
      this.stats.ignored += 1;
      return true;
    }
    const messageId = context.envelope.id;
    if (record?.handled.includes(messageId)) {
      this.stats.duplicates += 1;
      return true;
    }
    const run: SagaStep = { sagaId, state: record?.state, outgoing: [], completed: false };
    await sagaScope.run(run, () => step.invoke(message, context));
    const version = stored?.version ?? 0;
    const next: SagaRecord = {
      state: run.state,
      handled: [...(record?.handled ?? []), messageId].slice(-this.options.handledWindow),
      // Sent now, and maybe again by a later step: each copy under the same id, caused by this message.
      pending: run.outgoing.map((message) => stamped(message, context)),
    };
    if (run.completed && run.outgoing.length === 0) {
      if (version > 0 && !(await this.store.remove(this.sagaName, sagaId, version))) return false;
      this.counted(version, true);
      return true;
    }
    if (run.completed) next.completed = true;
    if (!(await this.store.save(this.sagaName, sagaId, JSON.stringify(next), version))) return false;
    this.counted(version, false);
    if (next.pending.length > 0) await this.sent(sagaId, next, version + 1);
    return true;
  }

  /** Sends a stored step's messages, then clears them (or removes the completed instance). */
  private async sent(sagaId: string, record: SagaRecord, version: number): Promise<void> {
    await this.flush(record.pending);
    // A lost race here is harmless: whoever won loaded these messages and sent them too.
    if (record.completed) {
      if (await this.store.remove(this.sagaName, sagaId, version)) this.stats.completed += 1;
    } else {
      await this.store.save(this.sagaName, sagaId, JSON.stringify({ ...record, pending: [] }), version);
    }
  }

  private async flush(messages: DeferredMessage[]): Promise<void> {
    for (const message of messages) await sendDeferred(this.bus, message);
  }

  private counted(version: number, completed: boolean): void {
    this.stats.applied += 1;
    if (version === 0) this.stats.started += 1;
    if (completed) this.stats.completed += 1;
  }

  private correlationOf(step: RunnableStep, message: unknown, context: MessageContext): string {
    const value = step.correlate(message, context);
    if ((typeof value !== 'string' && typeof value !== 'number') || String(value).length === 0) {
      throw new UnrecoverableError(`Saga ${this.sagaName}: ${context.topic} gave no correlation value (got ${String(value)})`);
    }
    return String(value);
  }
}
