import { TopicTrie } from '../routing/topic-trie.js';
import { jsonCodec, mediaType, type Codec } from './codec.js';
import { InvalidOptionsError } from './errors.js';
import { topicDeclarations } from './topic.decorator.js';

/** The codec of the topics a pattern matches. @publicApi */
export interface CodecRule {
  /** A topic pattern (`*` one word, `#` zero or more). */
  topic: string;
  codec: Codec;
}

// Topics seen are cached; past this many the cache starts over, so unbounded topics stay bounded.
const CACHE_LIMIT = 10_000;

/**
 * Which codec encodes a topic, and which decodes what arrives. Outbound: the topic's `@Topic`
 * codec, else the first matching rule, else the module codec. Inbound: the message's content
 * type names the codec (so producers with different codecs can share a topic); a message
 * without one is read with its topic's codec; a content type no configured codec has is
 * undecodable. JSON is always understood.
 */
export class CodecTable {
  private readonly exact = new Map<string, Codec>();
  private readonly patterns = new TopicTrie<Codec>();
  private readonly byType = new Map<string, Codec[]>();
  private readonly cache = new Map<string, Codec>();

  constructor(
    /** The module codec: topics nothing else names. */
    readonly fallback: Codec,
    rules: readonly CodecRule[] = [],
  ) {
    for (const declaration of topicDeclarations()) {
      if (declaration.codec !== undefined) this.exact.set(declaration.topic, this.known(declaration.codec));
    }
    for (const rule of rules) {
      if (rule === null || typeof rule !== 'object') throw new InvalidOptionsError('every codecs rule must be { topic, codec }');
      this.patterns.add(rule.topic, this.known(rule.codec));
    }
    this.known(fallback);
    this.known(jsonCodec);
  }

  /** The codec that encodes messages of `topic`. */
  forTopic(topic: string): Codec {
    let codec = this.cache.get(topic);
    if (codec === undefined) {
      codec = this.exact.get(topic) ?? this.patterns.match(topic)[0] ?? this.fallback;
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(topic, codec);
    }
    return codec;
  }

  /** The codec that decodes a message of `topic` said to be `contentType`; undefined when none does. */
  forContent(contentType: string | undefined, topic: string): Codec | undefined {
    const own = this.forTopic(topic);
    if (contentType === undefined || contentType.length === 0 || contentType === own.contentType) return own;
    const candidates = this.byType.get(mediaType(contentType));
    if (candidates === undefined) return undefined;
    return candidates.includes(own) ? own : candidates[0];
  }

  private known(codec: Codec): Codec {
    if (codec === null || typeof codec !== 'object' || typeof codec.encode !== 'function' || typeof codec.decode !== 'function' || typeof codec.contentType !== 'string') {
      throw new InvalidOptionsError('a codec must have contentType, encode and decode');
    }
    const type = mediaType(codec.contentType);
    const same = this.byType.get(type);
    if (same === undefined) this.byType.set(type, [codec]);
    else if (!same.includes(codec)) same.push(codec);
    return codec;
  }
}
