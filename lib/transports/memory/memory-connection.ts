import type { Envelope } from '../../messages/envelope.js';
import type { Consumer, DeadLetterStore, DeliveryHandler, GroupSubscription, Reply, TransportConnection, TransportContext } from '../contract/transport.js';
import type { MemoryBroker, MemoryConsumer } from './memory-broker.js';

/** One application's connection to a memory broker. */
export class MemoryConnection implements TransportConnection {
  readonly replyAddress: string;
  readonly deadLetters: DeadLetterStore;
  private readonly consumers: MemoryConsumer[] = [];

  constructor(
    private readonly broker: MemoryBroker,
    private readonly context: TransportContext,
  ) {
    this.replyAddress = `memory:${context.instanceId}`;
    this.deadLetters = broker.deadLetterView(context);
  }

  publish(envelope: Envelope, delayMs?: number): number | Promise<number> {
    return this.broker.route(envelope, delayMs ?? 0, this.context.maxPayloadBytes);
  }

  publishRealtime(envelope: Envelope): number {
    return this.broker.routeRealtime(envelope, this.context.maxPayloadBytes);
  }

  consume(subscription: GroupSubscription, handler: DeliveryHandler): Consumer {
    const consumer = this.broker.attach(subscription, handler);
    this.consumers.push(consumer);
    return consumer;
  }

  schedule(group: string, envelope: Envelope, delayMs: number): void {
    this.broker.schedule(group, envelope, delayMs);
  }

  reply(address: string, reply: Reply): void {
    this.broker.reply(address, reply);
  }

  ping(): Promise<number> {
    return Promise.resolve(0);
  }

  close(): Promise<void> {
    for (const consumer of this.consumers.splice(0)) {
      const lost = this.broker.detach(consumer);
      if (lost > 0) this.context.logger.warn(`${lost} delayed message(s) of group ${consumer.group.name} discarded: no consumer left`);
    }
    this.broker.removeReplyEndpoint(this.replyAddress);
    return Promise.resolve();
  }
}
