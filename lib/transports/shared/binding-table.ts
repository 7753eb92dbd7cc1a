import { MESSAGE_KINDS, type MessageKind } from '../../messages/envelope.js';
import { assertPattern } from '../../routing/topic.js';
import { TopicTrie } from '../../routing/topic-trie.js';

/** The binding table field of a binding; newlines cannot occur in topics, patterns or group names. */
export function bindingField(kind: string, pattern: string, group: string): string {
  return `${kind}\n${pattern}\n${group}`;
}

interface Route {
  kind: MessageKind;
  pattern: string;
  group: string;
}

/** What applying a change notification found. */
export type ChangeOutcome = 'applied' | 'stale' | 'gap' | 'malformed';

/**
 * This instance's copy of the binding table, so publishing routes without a round trip. It
 * follows the table in the broker through versioned change notifications; a gap in the versions (a
 * notification missed while the subscriber reconnected) asks for a full reload.
 */
export class BindingTable {
  private readonly routes: Record<MessageKind, TopicTrie<string>> = {
    event: new TopicTrie(),
    command: new TopicTrie(),
    query: new TopicTrie(),
  };
  private readonly entries = new Map<string, Route>();
  private version = 0;

  /** The groups bound to `topic` for `kind`, each once. */
  match(kind: MessageKind, topic: string): readonly string[] {
    return this.routes[kind].match(topic);
  }

  /** Adds a binding at once, ahead of its notification (this instance's own sessions). */
  add(field: string): void {
    const route = parseField(field);
    if (route === undefined || this.entries.has(field)) return;
    this.routes[route.kind].add(route.pattern, route.group);
    this.entries.set(field, route);
  }

  remove(field: string): void {
    const route = this.entries.get(field);
    if (route === undefined) return;
    this.routes[route.kind].remove(route.pattern, route.group);
    this.entries.delete(field);
  }

  /** Replaces the whole table with a snapshot read at `version`. */
  replace(fields: string[], version: number): void {
    const wanted = new Set(fields);
    for (const field of [...this.entries.keys()]) if (!wanted.has(field)) this.remove(field);
    for (const field of fields) this.add(field);
    this.version = version;
  }

  /** Applies a notification `version\n+|-\nkind\npattern\ngroup`. */
  apply(message: string): ChangeOutcome {
    const first = message.indexOf('\n');
    const version = Number(message.slice(0, first));
    const sign = message.slice(first + 1, first + 2);
    const field = message.slice(first + 3);
    if (!Number.isInteger(version) || (sign !== '+' && sign !== '-') || parseField(field) === undefined) return 'malformed';
    if (version <= this.version) return 'stale';
    if (sign === '+') this.add(field);
    else this.remove(field);
    const gap = version > this.version + 1;
    this.version = version;
    return gap ? 'gap' : 'applied';
  }
}

function parseField(field: string): Route | undefined {
  const [kind, pattern, group, extra] = field.split('\n');
  if (extra !== undefined || group === undefined || !MESSAGE_KINDS.includes(kind as MessageKind)) return undefined;
  try {
    // A bad pattern written into Redis by hand must not break routing for the others.
    assertPattern(pattern);
  } catch {
    return undefined;
  }
  return { kind: kind as MessageKind, pattern, group };
}
