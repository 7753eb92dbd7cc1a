import type {
  Binding,
  BusLogger,
  Consumer,
  DeliveryHandler,
  GroupSubscription,
  TransportConnection,
} from '../transports/contract/transport.js';

/**
 * The transport consumers of one bus instance, one per group, kept in step with the registry's
 * bindings while running (sessions add and remove handlers).
 */
export class GroupConsumers {
  private readonly consumers = new Map<string, Consumer | Promise<Consumer>>();

  constructor(
    private readonly connection: TransportConnection,
    private readonly deliver: DeliveryHandler,
    private readonly logger: BusLogger,
  ) {}

  async consume(subscription: GroupSubscription): Promise<void> {
    this.consumers.set(subscription.group, await this.connection.consume(subscription, this.deliver));
  }

  /** Stops every consumer: no new deliveries; those handed out are still acked. */
  async stop(): Promise<void> {
    const consumers = await Promise.all(this.consumers.values());
    await Promise.all(consumers.map((consumer) => consumer.stop()));
  }

  // A consumer that is already there is updated at once (the memory transport then routes the
  // very next publish); changes to one still being created wait for it, in order.
  rebind(group: string, binding: Binding, bound: boolean): void {
    const current = this.consumers.get(group);
    const update = (consumer: Consumer) => (bound ? consumer.bind(binding) : consumer.unbind(binding));
    let settled: void | Promise<unknown>;
    if (current === undefined) {
      settled = this.track(group, Promise.resolve(this.connection.consume({ group, bindings: [binding], exclusive: false }, this.deliver)));
    } else if (current instanceof Promise) {
      settled = this.track(
        group,
        current.then(async (consumer) => {
          await update(consumer);
          return consumer;
        }),
      );
    } else {
      settled = update(current);
    }
    if (settled instanceof Promise) {
      settled.catch((error: Error) => {
        this.logger.error(`Could not ${bound ? 'bind' : 'unbind'} ${binding.kind} "${binding.pattern}" for ${group}: ${error.message}`);
      });
    }
  }

  /** Keeps a consumer being created or updated, replaced by the consumer itself once ready. */
  private track(group: string, pending: Promise<Consumer>): Promise<Consumer> {
    this.consumers.set(group, pending);
    void pending.then(
      (consumer) => {
        if (this.consumers.get(group) === pending) this.consumers.set(group, consumer);
      },
      () => undefined,
    );
    return pending;
  }
}
