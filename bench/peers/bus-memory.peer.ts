import 'reflect-metadata';
import { Injectable, type INestApplicationContext, type Type } from '@nestjs/common';
import {
  CommandHandler,
  EventHandler,
  MessageBus,
  MessageBusModule,
  QueryHandler,
  type QueryResult,
} from 'nestjs-message-bus';
import { bootApp } from './nest-app.js';
import type { EventWorkload, Harness, Peer, RoundTrip } from './peer.js';
import { Probe } from './probe.js';
import { COMMAND_TOPIC, EVENT_TOPIC, ITEM_PATTERN, itemTopic, noisePatterns, QUERY_TOPIC, type Item } from './workload.js';

@Injectable()
class BenchCommandHandler {
  @CommandHandler(COMMAND_TOPIC)
  async execute(command: Item): Promise<number> {
    return command.n;
  }
}

@Injectable()
class BenchQueryHandler {
  @QueryHandler(QUERY_TOPIC)
  async execute(query: Item): Promise<number> {
    return query.n;
  }
}

/** A provider with one handler method, like a typical application event handler. */
function eventHandler(pattern: string, counts: 'hit' | 'stray'): Type<unknown> {
  @Injectable()
  class BenchEventHandler {
    constructor(private readonly probe: Probe) {}

    @EventHandler(pattern)
    handle(): void {
      if (counts === 'hit') this.probe.hit();
      else this.probe.stray();
    }
  }
  return BenchEventHandler;
}

function boot(providers: Type<unknown>[]): Promise<INestApplicationContext> {
  return bootApp([MessageBusModule.forRoot('memory://')], providers);
}

/** Round trips whose results are `QueryResult`s (a `CommandResult` is one too). */
function roundTrip(app: INestApplicationContext, call: (bus: MessageBus, seq: number) => Promise<QueryResult<number>>): Harness<RoundTrip> {
  const bus = app.get(MessageBus);
  return {
    driver: {
      call: (seq) => call(bus, seq),
      verify: (result, seq) => {
        const answer = result as QueryResult<number>;
        return answer.ok && answer.data === seq;
      },
    },
    close: () => app.close(),
  };
}

/** nestjs-message-bus on its in-memory transport, handlers declared with its decorators. */
export const busMemoryPeer: Peer = {
  async events({ handlers, noise, topics }: EventWorkload) {
    const pattern = topics === 'fixed' ? EVENT_TOPIC : ITEM_PATTERN;
    const app = await boot([
      ...Array.from({ length: handlers }, () => eventHandler(pattern, 'hit')),
      ...noisePatterns(noise).map((other) => eventHandler(other, 'stray')),
    ]);
    const bus = app.get(MessageBus);
    // The promise resolves as soon as the memory transport accepted the event; handling is
    // observed through the probe. A rejection would surface as an unhandled rejection.
    const publish =
      topics === 'fixed'
        ? (seq: number) => void bus.publish(EVENT_TOPIC, { n: seq })
        : (seq: number) => void bus.publish(itemTopic(seq), { n: seq });
    return { driver: { publish, probe: app.get(Probe) }, close: () => app.close() };
  },

  async commands() {
    const app = await boot([BenchCommandHandler]);
    return roundTrip(app, (bus, seq) => bus.execute<number>(COMMAND_TOPIC, { n: seq }));
  },

  async queries() {
    const app = await boot([BenchQueryHandler]);
    return roundTrip(app, (bus, seq) => bus.request<number>(QUERY_TOPIC, { n: seq }));
  },
};
