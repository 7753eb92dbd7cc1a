import type { DeadLetter } from '../../messages/dead-letter.js';
import type { Envelope } from '../../messages/envelope.js';
import { quoted } from '../../messages/inbound.js';
import { failure } from '../../messages/results.js';
import { InFlightLatch } from '../shared/in-flight.js';
import type { ConsumerEnvironment } from './consumer-environment.js';
import { fieldOf, undecodableEntryEnvelope } from './stream-entry.js';

/** An entry read from a group stream; `deliveries` counts this delivery. */
export interface Entry {
  band: number;
  id: string;
  deliveries: number;
  fields: Buffer[];
}

interface Held {
  band: number;
  id: string;
  deliveries: number;
  /** When the hold was taken or last renewed (ms). */
  since: number;
}

/**
 * The entries one consumer was given and has not acknowledged yet. Acks are sent in batches (one
 * XACK per band per event-loop turn); holds are renewed so other consumers do not take over live
 * work; entries read but not handed out are given back untouched.
 */
export class StreamHolds {
  private readonly held = new Map<string, Held>();
  private readonly acks: string[][];
  private flushing: Promise<unknown> = Promise.resolve();
  private flushQueued = false;
  private readonly emptied = new InFlightLatch();
  acksSinceTrim = 0;

  constructor(
    private readonly env: ConsumerEnvironment,
    private readonly group: string,
    private readonly streams: string[],
    private readonly onAck: () => void,
  ) {
    this.acks = streams.map(() => []);
  }

  get size(): number {
    return this.held.size;
  }

  keyOf(entry: Entry): string {
    return `${entry.band} ${entry.id}`;
  }

  has(key: string): boolean {
    return this.held.has(key);
  }

  hold(key: string, entry: Entry): void {
    this.held.set(key, { band: entry.band, id: entry.id, deliveries: entry.deliveries, since: Date.now() });
  }

  /** Drops a hold without acknowledging: the entry stays pending and is redelivered later. */
  forget(key: string): void {
    this.held.delete(key);
  }

  /** Acknowledges a held entry. */
  release(key: string): void {
    const held = this.held.get(key);
    if (held === undefined) return;
    this.held.delete(key);
    this.queueAck(held.band, held.id);
    if (this.held.size === 0) this.emptied.reachedZero();
    this.onAck();
  }

  /** Resolves how many entries are still held once all are acked, or after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<number> {
    if (this.held.size > 0) await this.emptied.wait(timeoutMs);
    return this.held.size;
  }

  /** Sends the queued acks now and waits for every ack sent so far. */
  async flush(): Promise<void> {
    if (this.flushQueued) this.sendAcks();
    await this.flushing;
  }

  /** Hands entries that were read but not delivered back to the group, delivery count unchanged. */
  async giveBack(entries: Entry[]): Promise<void> {
    const { env } = this;
    const batches = new Map<string, { band: number; deliveries: number; ids: string[] }>();
    for (const entry of entries) {
      const key = `${entry.band} ${entry.deliveries}`;
      const batch = batches.get(key) ?? { band: entry.band, deliveries: entry.deliveries, ids: [] };
      batch.ids.push(entry.id);
      batches.set(key, batch);
    }
    // Idle as long as the visibility timeout: any consumer of the group may claim them at once.
    await Promise.all(
      [...batches.values()].map(({ band, deliveries, ids }) =>
        env.client
          .call('XCLAIM', this.streams[band], this.group, env.consumerName, 0, ...ids, 'IDLE', env.options.visibilityTimeoutMs, 'RETRYCOUNT', deliveries - 1, 'JUSTID')
          .catch((error: unknown) => this.warn('give back unread messages', error)),
      ),
    );
  }

  /** Resets the idle time of entries held longer than `olderThanMs`, so no one claims them. */
  async renew(olderThanMs: number): Promise<void> {
    const now = Date.now();
    const byBand = new Map<number, string[]>();
    for (const held of this.held.values()) {
      if (now - held.since < olderThanMs) continue;
      held.since = now;
      const ids = byBand.get(held.band) ?? [];
      ids.push(held.id);
      byBand.set(held.band, ids);
    }
    const { env } = this;
    // A minimum idle time keeps an entry another consumer already took over (this one stalled) with it.
    const minIdle = Math.floor(olderThanMs / 2);
    await Promise.all(
      [...byBand].map(([band, ids]) => env.client.call('XCLAIM', this.streams[band], this.group, env.consumerName, minIdle, ...ids, 'JUSTID')),
    );
  }

  async trim(): Promise<void> {
    this.acksSinceTrim = 0;
    try {
      await this.env.scripts.trim(this.streams);
    } catch (error) {
      this.warn('trim its streams', error);
    }
  }

  /** Dead-letters an entry that is not a valid envelope, with its raw fields, and acks it. */
  rejectUndecodable(entry: Entry, problem: string, raw: Record<string, string>): Promise<void> {
    const stream = this.streams[entry.band];
    this.env.context.logger.warn(`Undecodable entry ${quoted(entry.id)} in ${stream} dead-lettered: ${problem}`);
    return this.deadLetter(entry, {
      envelope: undecodableEntryEnvelope(entry.id, stream, raw),
      reason: 'UNDECODABLE',
      error: { message: problem, code: 'UNDECODABLE' },
    });
  }

  /** Dead-letters an entry whose consumers died with it too often, and tells a waiting requester. */
  async rejectExhausted(entry: Entry, envelope: Envelope): Promise<void> {
    const message = `Delivered ${entry.deliveries} times without being acknowledged: its consumers died or stalled`;
    await this.deadLetter(entry, { envelope, reason: 'ATTEMPTS_EXHAUSTED', error: { message, code: 'UNACKNOWLEDGED' } }, fieldOf(entry.fields, 'payload'));
    if (envelope.replyTo !== undefined && envelope.kind !== 'event') {
      await this.env.reply(envelope.replyTo, { requestId: envelope.id, result: failure('HANDLER_ERROR', message) });
    }
  }

  private async deadLetter(entry: Entry, letter: Pick<DeadLetter, 'envelope' | 'reason' | 'error'>, raw?: Buffer): Promise<void> {
    await this.env.transportLetters.write(
      { group: this.group, ...letter },
      // Left pending: it comes back after the visibility timeout and is tried again.
      { ack: () => this.queueAck(entry.band, entry.id), release: () => undefined },
      raw,
    );
  }

  private queueAck(band: number, id: string): void {
    this.acks[band].push(id);
    this.acksSinceTrim += 1;
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => this.sendAcks());
  }

  private sendAcks(): void {
    if (!this.flushQueued) return;
    this.flushQueued = false;
    const sent: Promise<unknown>[] = [this.flushing];
    this.acks.forEach((ids, band) => {
      if (ids.length === 0) return;
      this.acks[band] = [];
      // A lost ack only means a redelivery after the visibility timeout.
      sent.push(this.env.client.xack(this.streams[band], this.group, ...ids).catch((error: unknown) => this.warn('acknowledge', error)));
    });
    this.flushing = Promise.all(sent);
  }

  private warn(what: string, error: unknown): void {
    this.env.context.logger.warn(`Group ${this.group} could not ${what}: ${this.env.scrubber.message(error)}`);
  }
}
