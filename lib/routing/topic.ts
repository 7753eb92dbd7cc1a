import { InvalidPatternError, InvalidTopicError } from '../messages/errors.js';

const MAX_LENGTH = 255;
const TOPIC = /^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*$/;
const PATTERN_WORD = /^(?:[A-Za-z0-9_:-]+|\*|#)$/;

/** True when `topic` is a publishable topic. */
export function isTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && topic.length <= MAX_LENGTH && TOPIC.test(topic);
}

/** Throws {@link InvalidTopicError} unless `topic` is a publishable topic. */
export function assertTopic(topic: unknown): asserts topic is string {
  if (!isTopic(topic)) {
    throw new InvalidTopicError(
      `Invalid topic ${JSON.stringify(topic)}: words of [A-Za-z0-9_:-] joined by ".", 1..${MAX_LENGTH} chars`,
    );
  }
}

/** Throws {@link InvalidPatternError} unless `pattern` is a valid subscription pattern. */
export function assertPattern(pattern: unknown): asserts pattern is string {
  if (
    typeof pattern !== 'string' ||
    pattern.length === 0 ||
    pattern.length > MAX_LENGTH ||
    !pattern.split('.').every((word) => PATTERN_WORD.test(word))
  ) {
    throw new InvalidPatternError(
      `Invalid pattern ${JSON.stringify(pattern)}: topic words, "*" (one word) or "#" (zero or more) joined by "."`,
    );
  }
}

/** True when the pattern has a wildcard word. */
export function hasWildcard(pattern: string): boolean {
  return pattern.split('.').some((word) => word === '*' || word === '#');
}
