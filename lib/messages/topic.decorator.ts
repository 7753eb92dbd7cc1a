import { InvalidTopicError } from './errors.js';
import { assertTopic } from '../routing/topic.js';

const topics = new WeakMap<Function, string>();

/**
 * Names the topic of a message class, so an instance can be published without a topic string
 * and handlers can be declared with the class.
 *
 * ```ts
 * @Topic('TTS.Started') export class TtsStarted { constructor(readonly text: string) {} }
 * ```
 * @publicApi
 */
export function Topic(topic: string): ClassDecorator {
  assertTopic(topic);
  return (target) => {
    topics.set(target, topic);
  };
}

/** The topic of a `@Topic` class or of one of its instances. */
export function topicOf(classOrInstance: Function | object): string {
  const type = typeof classOrInstance === 'function' ? classOrInstance : classOrInstance.constructor;
  for (let current: unknown = type; typeof current === 'function'; current = Object.getPrototypeOf(current)) {
    const topic = topics.get(current as Function);
    if (topic !== undefined) return topic;
  }
  throw new InvalidTopicError(`${(type as Function).name || 'The message class'} has no @Topic`);
}
