import type { Envelope } from '../messages/envelope.js';
import { topicOf } from '../messages/topic.decorator.js';
import { engineOf, type MessageBus } from '../message-bus.js';
import { TopicTrie } from '../routing/topic-trie.js';

/** A topic, a pattern (`'TTS.*'`) or a `@Topic` class. */
export type RecordedTopic = string | Function;

/**
 * What a bus published, for assertions in tests.
 * @publicApi
 */
export interface BusRecorder {
  /** Envelopes published (in order) whose topic matches, since the last `clear()`. */
  published(topicOrClass?: RecordedTopic): Envelope[];
  /** Resolves with the matching envelopes once `count` (default 1) were published; rejects after `timeoutMs` (default 2000). */
  waitFor(topicOrClass: RecordedTopic, options?: { count?: number; timeoutMs?: number }): Promise<Envelope[]>;
  clear(): void;
  /** Stops recording. */
  stop(): void;
}

interface Waiter {
  matches: (topic: string) => boolean;
  count: number;
  resolve(envelopes: Envelope[]): void;
}

/**
 * Records every message the bus publishes (events, commands, queries).
 *
 * ```ts
 * const recorder = recordBus(app.get(MessageBus));
 * await request(app.getHttpServer()).post('/speak').send({ text: 'hi' });
 * const [finished] = await recorder.waitFor(TtsFinished);
 * ```
 * @publicApi
 */
export function recordBus(bus: MessageBus): BusRecorder {
  let envelopes: Envelope[] = [];
  const waiters = new Set<Waiter>();
  const select = (matches: (topic: string) => boolean) => envelopes.filter((envelope) => matches(envelope.topic));
  const stop = engineOf(bus).observe((envelope) => {
    envelopes.push(envelope);
    for (const waiter of waiters) {
      const found = select(waiter.matches);
      if (found.length >= waiter.count) {
        waiters.delete(waiter);
        waiter.resolve(found);
      }
    }
  });
  return {
    published: (topicOrClass) => (topicOrClass === undefined ? [...envelopes] : select(matcher(topicOrClass))),
    waitFor(topicOrClass, { count = 1, timeoutMs = 2000 } = {}) {
      const matches = matcher(topicOrClass);
      const found = select(matches);
      if (found.length >= count) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          matches,
          count,
          resolve: (result) => {
            clearTimeout(timer);
            resolve(result);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = envelopes.map((envelope) => envelope.topic).join(', ') || 'nothing';
          reject(new Error(`Expected ${count} message(s) on ${describe(topicOrClass)} within ${timeoutMs} ms, got ${select(matches).length}; published: ${seen}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    clear() {
      envelopes = [];
    },
    stop,
  };
}

function matcher(topicOrClass: RecordedTopic): (topic: string) => boolean {
  const pattern = typeof topicOrClass === 'string' ? topicOrClass : topicOf(topicOrClass);
  const trie = new TopicTrie<true>();
  trie.add(pattern, true);
  return (topic) => trie.match(topic).length > 0;
}

function describe(topicOrClass: RecordedTopic): string {
  return typeof topicOrClass === 'string' ? `"${topicOrClass}"` : topicOrClass.name;
}
