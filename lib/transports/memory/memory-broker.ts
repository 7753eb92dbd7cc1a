import type { DeadLetter, DeadLetterFilter } from '../../messages/dead-letter.js';
import { bindingKey, type Envelope, type MessageKind } from '../../messages/envelope.js';
import { DuplicateHandlerError, PayloadTooLargeError } from '../../messages/errors.js';
import { TopicTrie } from '../../routing/topic-trie.js';
import type {
  Binding,
  Consumer,
  DeadLetterStore,
  Delivery,
  DeliveryHandler,
  GroupSubscription,
  Reply,
  TransportContext,
} from '../contract/transport.js';
import { MemoryDeadLetterStore } from './memory-dead-letter.store.js';
import { exceedsJsonSize } from './payload-size.js';

class MemoryDelivery implements Delivery {
  constructor(
    readonly envelope: Envelope,
    readonly group: string,
  ) {}

  ack(): void {}
}

export class MemoryConsumer implements Consumer {
  readonly bindings = new Map<string, Binding>();
  stopping = false;

  constructor(
    private readonly transport: MemoryBroker,
    readonly group: MemoryGroup,
    readonly handler: DeliveryHandler,
  ) {}

  bind(binding: Binding): void {
    const key = bindingKey(binding);
    if (this.bindings.has(key)) return;
    this.transport.retain(this.group, binding);
    this.bindings.set(key, binding);
  }

  unbind(binding: Binding): void {
    if (this.bindings.delete(bindingKey(binding))) this.transport.release(this.group, binding);
  }

  /**
   * Nothing waits in a broker here, so a stopping consumer keeps taking what its own in-flight
   * handlers publish, and messages waiting for a retry delay are delivered at once: shutdown
   * then handles or dead-letters everything that was accepted.
   */
  stop(): Promise<void> {
    this.stopping = true;
    if (this.group.consumers.every((consumer) => consumer.stopping)) this.group.releaseDelayed();
    return Promise.resolve();
  }
}

export class MemoryGroup {
  readonly consumers: MemoryConsumer[] = [];
  readonly bindings = new Map<string, number>();
  private readonly delayed = new Map<NodeJS.Timeout, Envelope>();
  private next = 0;

  constructor(
    readonly name: string,
    /** Takes realtime messages only (one instance's realtime handlers). */
    readonly realtime: boolean,
  ) {}

  get draining(): boolean {
    return this.consumers.length > 0 && this.consumers.every((consumer) => consumer.stopping);
  }

  /** Hands the message to one consumer of the group, round robin. */
  deliver(envelope: Envelope): void | Promise<void> {
    const consumers = this.consumers;
    if (consumers.length === 0) return;
    const consumer = consumers.length === 1 ? consumers[0] : consumers[this.next++ % consumers.length];
    return consumer.handler(new MemoryDelivery(envelope, this.name));
  }

  deliverLater(envelope: Envelope, delayMs: number): void {
    if (delayMs <= 0 || this.draining) {
      // A scheduled delivery has no publisher to hold back; a full queue admits it when it can.
      void this.deliver(envelope);
      return;
    }
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      void this.deliver(envelope);
    }, delayMs);
    this.delayed.set(timer, envelope);
  }

  releaseDelayed(): void {
    for (const [timer, envelope] of this.delayed) {
      clearTimeout(timer);
      this.delayed.delete(timer);
      void this.deliver(envelope);
    }
  }

  /** Drops delayed messages nobody can receive any more; returns how many. */
  discardDelayed(): number {
    const count = this.delayed.size;
    for (const timer of this.delayed.keys()) clearTimeout(timer);
    this.delayed.clear();
    return count;
  }
}

/**
 * The in-process broker behind one `MemoryTransport`: groups, their bindings and routes, command
 * owners, reply endpoints and the shared dead letter store.
 */
export class MemoryBroker {
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly routes: Record<MessageKind, TopicTrie<MemoryGroup>> = {
    event: new TopicTrie(),
    command: new TopicTrie(),
    query: new TopicTrie(),
  };
  // Realtime groups, apart: durable publishing never reaches them, realtime publishing nothing else.
  private readonly realtimeRoutes = new TopicTrie<MemoryGroup>();
  // Commands and queries have one owner group per topic.
  private readonly owners = new Map<string, MemoryGroup>();
  private readonly replyEndpoints = new Map<string, (reply: Reply) => void>();
  private deadLetterStore?: MemoryDeadLetterStore;

  /** Admits one application: its reply endpoint registered, the dead letter store shared by all. */
  admit(context: TransportContext): void {
    this.replyEndpoints.set(`memory:${context.instanceId}`, context.onReply);
    this.deadLetterStore ??= new MemoryDeadLetterStore(context.deadLetters.maxSize, context.deadLetters.ttlMs);
  }

  route(envelope: Envelope, delayMs: number, maxPayloadBytes: number): number | Promise<number> {
    if (exceedsJsonSize(envelope.payload, maxPayloadBytes)) throw new PayloadTooLargeError(envelope.topic, maxPayloadBytes);
    const groups = this.routes[envelope.kind].match(envelope.topic);
    if (delayMs > 0) {
      for (const group of groups) group.deliverLater(envelope, delayMs);
      return groups.length;
    }
    let waiting: Promise<void>[] | undefined;
    for (const group of groups) {
      const accepted = group.deliver(envelope);
      if (accepted) (waiting ??= []).push(accepted);
    }
    return waiting ? Promise.all(waiting).then(() => groups.length) : groups.length;
  }

  /**
   * At most once, to each realtime group bound to the topic, without waiting: a full
   * queue may drop it (the bus counts that), nothing retries it. Returns how many instances got it.
   */
  routeRealtime(envelope: Envelope, maxPayloadBytes: number): number {
    if (exceedsJsonSize(envelope.payload, maxPayloadBytes)) throw new PayloadTooLargeError(envelope.topic, maxPayloadBytes);
    const groups = this.realtimeRoutes.match(envelope.topic);
    for (const group of groups) void group.deliver(envelope);
    return groups.length;
  }

  schedule(groupName: string, envelope: Envelope, delayMs: number): void {
    this.groups.get(groupName)?.deliverLater(envelope, delayMs);
  }

  reply(address: string, reply: Reply): void {
    this.replyEndpoints.get(address)?.(reply);
  }

  removeReplyEndpoint(address: string): void {
    this.replyEndpoints.delete(address);
  }

  attach(subscription: GroupSubscription, handler: DeliveryHandler): MemoryConsumer {
    let group = this.groups.get(subscription.group);
    if (!group) this.groups.set(subscription.group, (group = new MemoryGroup(subscription.group, subscription.realtime === true)));
    const consumer = new MemoryConsumer(this, group, handler);
    group.consumers.push(consumer);
    try {
      for (const binding of subscription.bindings) consumer.bind(binding);
    } catch (error) {
      this.detach(consumer);
      throw error;
    }
    return consumer;
  }

  /** Removes a consumer; returns how many delayed messages were lost with its group. */
  detach(consumer: MemoryConsumer): number {
    const group = consumer.group;
    for (const binding of consumer.bindings.values()) this.release(group, binding);
    consumer.bindings.clear();
    group.consumers.splice(group.consumers.indexOf(consumer), 1);
    if (group.consumers.length > 0) return 0;
    this.groups.delete(group.name);
    return group.discardDelayed();
  }

  retain(group: MemoryGroup, binding: Binding): void {
    const key = bindingKey(binding);
    const count = group.bindings.get(key) ?? 0;
    if (count === 0) {
      if (binding.kind !== 'event') {
        const owner = this.owners.get(key);
        if (owner && owner !== group) {
          throw new DuplicateHandlerError(binding.pattern, `group ${owner.name}`, `group ${group.name}`);
        }
        this.owners.set(key, group);
      }
      this.routesOf(group, binding.kind).add(binding.pattern, group);
    }
    group.bindings.set(key, count + 1);
  }

  release(group: MemoryGroup, binding: Binding): void {
    const key = bindingKey(binding);
    const count = group.bindings.get(key) ?? 0;
    if (count > 1) {
      group.bindings.set(key, count - 1);
      return;
    }
    group.bindings.delete(key);
    this.routesOf(group, binding.kind).remove(binding.pattern, group);
    if (this.owners.get(key) === group) this.owners.delete(key);
  }

  private routesOf(group: MemoryGroup, kind: MessageKind): TopicTrie<MemoryGroup> {
    return group.realtime ? this.realtimeRoutes : this.routes[kind];
  }

  /** The shared store, reporting evictions to the connection that caused them. */
  deadLetterView(context: TransportContext): DeadLetterStore {
    const store = this.deadLetterStore as MemoryDeadLetterStore;
    const report = <T>(outcome: { dropped: number } & T): T => {
      if (outcome.dropped > 0) context.onDeadLettersDropped(outcome.dropped);
      return outcome;
    };
    return {
      add(letter: DeadLetter): void {
        const dropped = store.add(letter);
        if (dropped > 0) context.onDeadLettersDropped(dropped);
      },
      list: (filter = {}) => Promise.resolve(report(store.list(filter)).letters),
      count: (filter: DeadLetterFilter = {}) => Promise.resolve(report(store.list(filter)).letters.length),
      take: (selector) => Promise.resolve(report(store.take(selector)).letters),
      purge: (filter: DeadLetterFilter = {}) => Promise.resolve(report(store.take(filter)).letters.length),
    };
  }
}
