import 'reflect-metadata';
import type { INestApplicationContext, Type } from '@nestjs/common';
import {
  Command,
  CommandBus,
  CommandHandler,
  CqrsModule,
  EventBus,
  EventsHandler,
  Query,
  QueryBus,
  QueryHandler,
  type ICommandHandler,
  type IEventHandler,
  type IQueryHandler,
} from '@nestjs/cqrs';
import { bootApp } from './nest-app.js';
import { requireSimpleEvents, type EventWorkload, type Peer } from './peer.js';
import { Probe } from './probe.js';

class BenchEvent {
  constructor(readonly n: number) {}
}

class BenchCommand extends Command<number> {
  constructor(readonly n: number) {
    super();
  }
}

class BenchQuery extends Query<number> {
  constructor(readonly n: number) {
    super();
  }
}

@CommandHandler(BenchCommand)
class BenchCommandHandler implements ICommandHandler<BenchCommand> {
  async execute(command: BenchCommand): Promise<number> {
    return command.n;
  }
}

@QueryHandler(BenchQuery)
class BenchQueryHandler implements IQueryHandler<BenchQuery> {
  async execute(query: BenchQuery): Promise<number> {
    return query.n;
  }
}

/** One handler class per handler: cqrs handlers are classes with a `handle` method. */
function eventHandler(): Type<IEventHandler<BenchEvent>> {
  @EventsHandler(BenchEvent)
  class BenchEventHandler implements IEventHandler<BenchEvent> {
    constructor(private readonly probe: Probe) {}

    handle(): void {
      this.probe.hit();
    }
  }
  return BenchEventHandler;
}

/** cqrs routes by event class, not by pattern: the counterpart of a pattern is a handler of another class. */
function otherEventHandler(): Type<IEventHandler> {
  class OtherEvent {}
  @EventsHandler(OtherEvent)
  class OtherEventHandler implements IEventHandler<OtherEvent> {
    constructor(private readonly probe: Probe) {}

    handle(): void {
      this.probe.stray();
    }
  }
  return OtherEventHandler;
}

function boot(providers: Type<unknown>[]): Promise<INestApplicationContext> {
  return bootApp([CqrsModule.forRoot()], providers);
}

/** @nestjs/cqrs with its default in-process publishers. */
export const cqrsPeer: Peer = {
  async events(workload: EventWorkload) {
    // cqrs routes by class: it has no topics to vary, and no handler options.
    requireSimpleEvents(workload, '@nestjs/cqrs', false);
    const { handlers, noise } = workload;
    const app = await boot([
      ...Array.from({ length: handlers }, eventHandler),
      ...Array.from({ length: noise }, otherEventHandler),
    ]);
    const bus = app.get(EventBus);
    return {
      driver: { publish: (seq) => bus.publish(new BenchEvent(seq)), probe: app.get(Probe) },
      close: () => app.close(),
    };
  },

  async commands() {
    const app = await boot([BenchCommandHandler]);
    const bus = app.get(CommandBus);
    return {
      driver: { call: (seq) => bus.execute(new BenchCommand(seq)), verify: (result, seq) => result === seq },
      close: () => app.close(),
    };
  },

  async queries() {
    const app = await boot([BenchQueryHandler]);
    const bus = app.get(QueryBus);
    return {
      driver: { call: (seq) => bus.execute(new BenchQuery(seq)), verify: (result, seq) => result === seq },
      close: () => app.close(),
    };
  },
};
