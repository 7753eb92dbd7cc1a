import type { Codec } from './codec.js';
import { InvalidTopicError } from './errors.js';
import type { MessageKind } from './envelope.js';
import { assertTopic } from '../routing/topic.js';

/**
 * A JSON Schema (draft 7, as AsyncAPI 3 payloads take it).
 * @publicApi
 */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * What `@Topic` may say about a message class beyond its topic: `schema` and `kind` only feed
 * `bus.describe()`; `codec` encodes the class's messages on broker transports.
 * @publicApi
 */
export interface TopicOptions {
  /** The codec of this topic's messages, over the module's `codecs` and `codec`. */
  codec?: Codec;
  /** The payload's JSON Schema; default: built from class-validator decorators, else left open. */
  schema?: JsonSchema;
  /** How the class is sent; default: the kind of this application's handlers of its topic, if any. */
  kind?: MessageKind;
}

/** A `@Topic` class as its decorator declared it. */
export interface TopicDeclaration extends TopicOptions {
  type: Function;
  topic: string;
}

// Declaration order: the message classes the loaded code can send.
const declarations = new Map<Function, TopicDeclaration>();

/**
 * Names the topic of a message class, so an instance can be published without a topic string
 * and handlers can be declared with the class.
 *
 * ```ts
 * @Topic('TTS.Started') export class TtsStarted { constructor(readonly text: string) {} }
 * @Topic('Orders.Place', { kind: 'command', schema: { type: 'object', required: ['sku'] } }) export class PlaceOrder {}
 * @Topic('Agent.Status', { codec: statusCodec }) export class AgentStatus {}
 * ```
 * @publicApi
 */
export function Topic(topic: string, options: TopicOptions = {}): ClassDecorator {
  assertTopic(topic);
  return (target) => {
    declarations.set(target, { ...options, type: target, topic });
  };
}

/** The topic of a `@Topic` class or of one of its instances. */
export function topicOf(classOrInstance: Function | object): string {
  const type = typeof classOrInstance === 'function' ? classOrInstance : classOrInstance.constructor;
  for (let current: unknown = type; typeof current === 'function'; current = Object.getPrototypeOf(current)) {
    const declaration = declarations.get(current as Function);
    if (declaration !== undefined) return declaration.topic;
  }
  throw new InvalidTopicError(`${(type as Function).name || 'The message class'} has no @Topic`);
}

/** Every `@Topic` class loaded so far, in declaration order. */
export function topicDeclarations(): readonly TopicDeclaration[] {
  return [...declarations.values()];
}
