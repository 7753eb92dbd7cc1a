import type { MessageKind } from '../../messages/envelope.js';

// NATS stream, consumer and bucket names: no whitespace, '.', '*', '>', '/' or '\'.
const NATS_NAME = /^[^\s.*>/\\]{1,200}$/;

/** True for a name NATS accepts as a stream, durable consumer or bucket name. */
export function isNatsName(name: string): boolean {
  return NATS_NAME.test(name);
}

/**
 * One subject token for a group name. Group names are `[A-Za-z0-9_.:-]`, so `.` (a subject
 * separator, refused in consumer names) becomes `~`, which they never contain: reversible.
 */
export function groupToken(group: string): string {
  return group.replaceAll('.', '~');
}

export function groupOfToken(token: string): string {
  return token.replaceAll('~', '.');
}

/**
 * The NATS subject filters that together match what a bus pattern matches. `*` is `*`; a
 * trailing `#` (zero or more words) is the prefix itself plus `prefix.>` (one or more); a `#`
 * before other words has no NATS form and widens to `>` from there, so the bus re-filters.
 */
export function subjectFilters(prefix: string, pattern: string): string[] {
  const words = pattern.split('.');
  const hash = words.indexOf('#');
  if (hash < 0) return [`${prefix}.${pattern}`];
  const head = words.slice(0, hash);
  const wide = [prefix, ...head, '>'].join('.');
  if (hash < words.length - 1 || head.length === 0) return [wide];
  return [[prefix, ...head].join('.'), wide];
}

/**
 * Every stream, subject, consumer and key name of one bus namespace on NATS, derived from the
 * stream name so that two namespaces on one server never meet:
 * - `<stream>` (subjects `<stream>.g.>`): one copy of a message per bound group, on
 *   `<stream>.g.<group>.<kind>.<topic>`; a group's durable pull consumer filters its own part;
 * - `<stream>.q.<topic>`: queries, over core NATS to the owning group as a queue group;
 * - `<stream>.x.<topic>`: the core NATS copy of every event, for per-instance (broadcast and
 *   session) handlers, which subscribe with the subject filters of their patterns;
 * - `<stream>_dead` (subjects `<stream>_dead.>`): dead letters on `<stream>_dead.<group>.<topic>`;
 * - the key-value bucket `<stream>_bindings`: which group binds which pattern, and the one
 *   owner of each command and query topic.
 */
export class NatsNames {
  readonly deadLetterStream: string;
  readonly bindingsBucket: string;

  constructor(readonly stream: string) {
    this.deadLetterStream = `${stream}_dead`;
    this.bindingsBucket = `${stream}_bindings`;
  }

  /** What the message stream captures. */
  get streamSubjects(): string {
    return `${this.stream}.g.>`;
  }

  get deadLetterSubjects(): string {
    return `${this.deadLetterStream}.>`;
  }

  /** The durable consumer of a group. */
  consumerOf(group: string): string {
    return groupToken(group);
  }

  groupSubject(group: string, kind: MessageKind, topic: string): string {
    return `${this.stream}.g.${groupToken(group)}.${kind}.${topic}`;
  }

  /** The filter of a group's consumer: every copy addressed to it. */
  groupFilter(group: string): string {
    return `${this.stream}.g.${groupToken(group)}.>`;
  }

  /** The group and kind of a subject of the message stream, or undefined when it is not one. */
  parseGroupSubject(subject: string): { group: string; kind: string; topic: string } | undefined {
    const head = `${this.stream}.g.`;
    if (!subject.startsWith(head)) return undefined;
    const [token, kind, ...topic] = subject.slice(head.length).split('.');
    if (token === undefined || kind === undefined || topic.length === 0) return undefined;
    return { group: groupOfToken(token), kind, topic: topic.join('.') };
  }

  querySubject(topic: string): string {
    return `${this.stream}.q.${topic}`;
  }

  broadcastSubject(topic: string): string {
    return `${this.stream}.x.${topic}`;
  }

  /** The core NATS subjects a per-instance group subscribes to for one event pattern. */
  broadcastFilters(pattern: string): string[] {
    return subjectFilters(`${this.stream}.x`, pattern);
  }

  deadLetterSubject(group: string, topic: string): string {
    return `${this.deadLetterStream}.${groupToken(group)}.${topic}`;
  }

  /** The topic a dead-letter subject names. */
  topicOfDeadLetter(subject: string): string | undefined {
    const head = `${this.deadLetterStream}.`;
    if (!subject.startsWith(head)) return undefined;
    const rest = subject.slice(head.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? undefined : rest.slice(dot + 1);
  }

  /** The topic of a broadcast or query subject, or undefined when it is not one. */
  topicOf(subject: string, area: 'x' | 'q'): string | undefined {
    const head = `${this.stream}.${area}.`;
    return subject.startsWith(head) ? subject.slice(head.length) : undefined;
  }

  /** The dead-letter subjects of one topic, whatever the group, or of all when no topic. */
  deadLetterFilter(topic?: string): string {
    return topic === undefined ? this.deadLetterSubjects : `${this.deadLetterStream}.*.${topic}`;
  }

  /** Bucket key of a binding. Keys allow `[-/_=.A-Za-z0-9]`: group and pattern go base64url. */
  bindingKey(kind: MessageKind, group: string, pattern: string): string {
    return `b.${kind}.${base64url(group)}.${base64url(pattern)}`;
  }

  /** The binding a bucket key names, or undefined when the key is not a binding's. */
  parseBindingKey(key: string): { kind: string; group: string; pattern: string } | undefined {
    const [tag, kind, group, pattern, extra] = key.split('.');
    if (tag !== 'b' || kind === undefined || group === undefined || pattern === undefined || extra !== undefined) return undefined;
    return { kind, group: fromBase64url(group), pattern: fromBase64url(pattern) };
  }

  /** Bucket key naming the one group that owns a command or query topic. */
  ownerKey(kind: MessageKind, topic: string): string {
    return `o.${kind}.${base64url(topic)}`;
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function fromBase64url(text: string): string {
  return Buffer.from(text, 'base64url').toString('utf8');
}

/** True when the NATS subject filter (`*`, trailing `>`) matches `subject`. */
export function subjectMatches(filter: string, subject: string): boolean {
  const wanted = filter.split('.');
  const words = subject.split('.');
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i] === '>') return words.length > i;
    if (i >= words.length || (wanted[i] !== '*' && wanted[i] !== words[i])) return false;
  }
  return wanted.length === words.length;
}
