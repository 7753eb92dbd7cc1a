import type { RegisteredHandler } from '../dispatch/handler.js';
import type { MessageKind } from '../messages/envelope.js';
import type { TopicDeclaration } from '../messages/topic.decorator.js';
import { TopicTrie } from '../routing/topic-trie.js';
import type { TransportServer } from '../transports/contract/transport.js';
import type {
  AsyncApiChannel,
  AsyncApiDocument,
  AsyncApiMessage,
  AsyncApiOperation,
  AsyncApiRef,
  DescribeOptions,
} from './asyncapi-document.js';
import { payloadSchemaOf } from './payload-schema.js';

const CONTENT_TYPE = 'application/json';

/** A handler as the document shows it. */
export type DescribedHandler = Pick<
  RegisteredHandler,
  'id' | 'kind' | 'patterns' | 'group' | 'priority' | 'retry' | 'timeoutMs' | 'concurrency' | 'circuitBreaker' | 'batch' | 'idempotencyKey'
> & { broadcast: boolean };

/** Everything the document is built from: what one bus instance knows without its transport. */
export interface BusDescription {
  serviceName: string;
  libraryVersion: string;
  transport: { name: string; server?: TransportServer };
  handlers: readonly DescribedHandler[];
  messages: readonly TopicDeclaration[];
}

interface ChannelEntry {
  id: string;
  channel: AsyncApiChannel;
  /** The kinds of the handlers bound to it: a pattern carries only the messages of those kinds. */
  kinds: Set<MessageKind>;
}

/**
 * The AsyncAPI 3.0 document of a bus: a channel per topic and handler pattern, a `receive`
 * operation per handler and pattern, a `send` operation per `@Topic` class, the bus's own
 * semantics (kind, group, priority, retry...) as `x-` extensions. Keys are sorted, so the same
 * application always yields the same document.
 */
export function buildAsyncApi(bus: BusDescription, options: DescribeOptions = {}): AsyncApiDocument {
  const ids = new UniqueIds();
  const channels = new Map<string, ChannelEntry>();
  const channelOf = (address: string): ChannelEntry => {
    let entry = channels.get(address);
    if (!entry) {
      entry = { id: ids.take('channel', address), channel: { address, messages: {} }, kinds: new Set() };
      channels.set(address, entry);
    }
    return entry;
  };
  const patterns = new TopicTrie<ChannelEntry>();
  for (const handler of bus.handlers) {
    for (const pattern of handler.patterns) {
      const entry = channelOf(pattern);
      if (entry.kinds.size === 0) patterns.add(pattern, entry);
      entry.kinds.add(handler.kind);
    }
  }
  const kindOfMessage = new Map<string, MessageKind | undefined>();

  const messages: Record<string, AsyncApiMessage> = {};
  const operations: Record<string, AsyncApiOperation> = {};
  for (const declaration of bus.messages) {
    const id = ids.take('message', declaration.type.name || declaration.topic);
    const kind = declaration.kind ?? bus.handlers.find((handler) => handlerTakes(handler, declaration.topic))?.kind;
    messages[id] = {
      name: id,
      title: declaration.topic,
      contentType: CONTENT_TYPE,
      payload: declaration.schema ?? payloadSchemaOf(declaration.type),
      'x-topic': declaration.topic,
      ...(kind && { 'x-message-kind': kind }),
    };
    kindOfMessage.set(id, kind);
    const own = channelOf(declaration.topic);
    const routes = patterns.match(declaration.topic).filter((entry) => kind === undefined || entry.kinds.has(kind));
    for (const entry of new Set([own, ...routes])) entry.channel.messages[id] = ref('components', 'messages', id);
    operations[ids.take('operation', `send-${id}`)] = {
      action: 'send',
      channel: ref('channels', own.id),
      messages: [ref('channels', own.id, 'messages', id)],
      summary: `Sends ${declaration.topic}${kind ? ` (${kind})` : ''}`,
      ...(kind && { 'x-message-kind': kind }),
    };
  }
  // A pattern no `@Topic` class falls under carries payloads nothing describes.
  for (const { id, channel } of channels.values()) {
    if (Object.keys(channel.messages).length > 0) continue;
    const messageId = ids.take('message', `${id}-message`);
    messages[messageId] = { name: messageId, title: channel.address, contentType: CONTENT_TYPE, payload: {} };
    channel.messages[messageId] = ref('components', 'messages', messageId);
  }

  for (const handler of bus.handlers) {
    for (const pattern of handler.patterns) {
      const { id, channel } = channelOf(pattern);
      const operationId = ids.take('operation', handler.patterns.length > 1 ? `${handler.id}-${id}` : handler.id);
      operations[operationId] = {
        action: 'receive',
        channel: ref('channels', id),
        messages: Object.keys(channel.messages)
          .filter((messageId) => (kindOfMessage.get(messageId) ?? handler.kind) === handler.kind)
          .sort()
          .map((messageId) => ref('channels', id, 'messages', messageId)),
        summary: `${capitalized(handler.kind)} handler ${handler.id}`,
        ...handlerExtensions(handler),
      };
    }
  }

  const servers = bus.transport.server ? { [bus.transport.name]: bus.transport.server } : {};
  return {
    asyncapi: '3.0.0',
    info: {
      title: options.title ?? bus.serviceName,
      version: options.version ?? '0.0.0',
      ...(options.description !== undefined && { description: options.description }),
      'x-service-name': bus.serviceName,
      'x-generator': { name: 'nestjs-message-bus', version: bus.libraryVersion },
    },
    defaultContentType: CONTENT_TYPE,
    servers,
    channels: sortedRecord([...channels.values()].map(({ id, channel }) => [id, { ...channel, messages: sortedRecord(Object.entries(channel.messages)) }])),
    operations: sortedRecord(Object.entries(operations)),
    components: { messages: sortedRecord(Object.entries(messages)) },
  };
}

function handlerExtensions(handler: DescribedHandler): Record<`x-${string}`, unknown> {
  return {
    'x-handler': handler.id,
    'x-message-kind': handler.kind,
    ...(handler.broadcast ? { 'x-broadcast': true } : { 'x-group': handler.group }),
    'x-priority': handler.priority,
    'x-retry': { ...handler.retry },
    ...(handler.timeoutMs !== undefined && { 'x-timeout-ms': handler.timeoutMs }),
    ...(handler.concurrency !== undefined && { 'x-concurrency': handler.concurrency }),
    ...(handler.circuitBreaker !== undefined && { 'x-circuit-breaker': { ...handler.circuitBreaker } }),
    ...(handler.batch !== undefined && { 'x-batch': { size: handler.batch.size, waitMs: handler.batch.waitMs } }),
    ...(handler.idempotencyKey !== undefined && { 'x-idempotent': true }),
  };
}

function handlerTakes(handler: DescribedHandler, topic: string): boolean {
  const trie = new TopicTrie<true>();
  for (const pattern of handler.patterns) trie.add(pattern, true);
  return trie.match(topic).length > 0;
}

function ref(...path: string[]): AsyncApiRef {
  return { $ref: `#/${path.join('/')}` };
}

function capitalized(kind: MessageKind): string {
  return kind[0].toUpperCase() + kind.slice(1);
}

function sortedRecord<T>(entries: [string, T][]): Record<string, T> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * AsyncAPI keys are `[A-Za-z0-9_-]`: topics and handler ids are spelt with that alphabet
 * (`TTS.*` → `TTS_star`), and a clash gets `-2`, `-3`...
 */
class UniqueIds {
  private readonly taken = new Set<string>();

  take(space: string, name: string): string {
    const base = name.replace(/\*/g, 'star').replace(/#/g, 'hash').replace(/[^A-Za-z0-9_-]/g, '_');
    let id = base;
    for (let n = 2; this.taken.has(`${space} ${id}`); n++) id = `${base}-${n}`;
    this.taken.add(`${space} ${id}`);
    return id;
  }
}
