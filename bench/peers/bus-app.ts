import 'reflect-metadata';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  Injectable,
  UseInterceptors,
  type CallHandler,
  type INestApplicationContext,
  type NestInterceptor,
  type Provider,
  type Type,
} from '@nestjs/common';
import {
  CommandHandler,
  EventHandler,
  MessageBus,
  MessageBusModule,
  QueryHandler,
  type BusOptions,
  type QueryResult,
  type Transport,
} from 'nestjs-message-bus';
import type { Observable } from 'rxjs';
import { outboxHarness } from './bus-outbox.js';
import { bootApp } from './nest-app.js';
import type { EventHandlerVariant, EventWorkload, Harness, Peer, RoundTrip } from './peer.js';
import { Probe } from './probe.js';
import {
  BATCH,
  BREAKER,
  COMMAND_TOPIC,
  EVENT_TOPIC,
  FLOOD_BUS,
  FLOOD_TOPIC,
  ITEM_PATTERN,
  itemTopic,
  noisePatterns,
  QUERY_TOPIC,
  SEND_TOPIC,
  type Item,
} from './workload.js';

// The handlers of nestjs-message-bus, whatever the transport: @Injectable() providers with the
// bus's method decorators, no enhancers unless a variant asks for one.

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

/** The trivial interceptor whose cost is the enhancer pipeline's. */
@Injectable()
class PassThrough implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

const REALTIME = { delivery: 'realtime' } as const;

/** A provider with one handler method, like a typical application event handler. */
function eventHandler(pattern: string, variant: EventHandlerVariant): Type<unknown> {
  switch (variant) {
    case 'intercepted': {
      @Injectable()
      class InterceptedEventHandler {
        constructor(private readonly probe: Probe) {}

        @UseInterceptors(PassThrough)
        @EventHandler(pattern)
        handle(): void {
          this.probe.hit();
        }
      }
      return InterceptedEventHandler;
    }
    case 'batched': {
      @Injectable()
      class BatchedEventHandler {
        constructor(private readonly probe: Probe) {}

        @EventHandler(pattern, { batch: BATCH })
        handle(events: Item[]): void {
          this.probe.hits(events.length);
        }
      }
      return BatchedEventHandler;
    }
    case 'plain':
    case 'breaker':
    case 'realtime': {
      @Injectable()
      class BenchEventHandler {
        constructor(private readonly probe: Probe) {}

        @EventHandler(pattern, variant === 'breaker' ? { circuitBreaker: BREAKER } : variant === 'realtime' ? { delivery: 'realtime' } : {})
        handle(): void {
          this.probe.hit();
        }
      }
      return BenchEventHandler;
    }
  }
}

/** Handlers of patterns the published events never match. */
function strayHandler(pattern: string): Type<unknown> {
  @Injectable()
  class StrayEventHandler {
    constructor(private readonly probe: Probe) {}

    @EventHandler(pattern)
    handle(): void {
      this.probe.stray();
    }
  }
  return StrayEventHandler;
}

function sendHandler(idempotent: boolean): Type<unknown> {
  @Injectable()
  class SendHandler {
    constructor(private readonly probe: Probe) {}

    @CommandHandler(SEND_TOPIC, { idempotent })
    handle(): void {
      this.probe.hit();
    }
  }
  return SendHandler;
}

/** A slow handler: each message waits for the next turn of the event loop. */
@Injectable()
class FloodHandler {
  constructor(private readonly probe: Probe) {}

  @EventHandler(FLOOD_TOPIC)
  async handle(): Promise<void> {
    await nextTurn();
    this.probe.hit();
  }
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

/**
 * nestjs-message-bus on the transport `transport()` makes (called once per application), with
 * `options` on top of the defaults.
 */
export function busPeer(transport: () => Transport | string, options: BusOptions = {}): Peer {
  const boot = (providers: Provider[], extra: BusOptions = {}): Promise<INestApplicationContext> =>
    bootApp([MessageBusModule.forRoot(transport(), { ...options, ...extra })], providers);

  return {
    async events({ handlers, noise, topics, variant }: EventWorkload) {
      const pattern = topics === 'fixed' ? EVENT_TOPIC : ITEM_PATTERN;
      const app = await boot([
        ...(variant === 'intercepted' ? [PassThrough] : []),
        ...Array.from({ length: handlers }, () => eventHandler(pattern, variant)),
        ...noisePatterns(noise).map(strayHandler),
      ]);
      const bus = app.get(MessageBus);
      // The promise resolves as soon as the transport accepted the event (a broker: stored and
      // confirmed); handling is observed through the probe.
      // Realtime handlers take only events published realtime; the others go with no options, as before.
      const options = variant === 'realtime' ? REALTIME : undefined;
      const publish =
        topics === 'fixed'
          ? (seq: number) => bus.publish(EVENT_TOPIC, { n: seq }, options)
          : (seq: number) => bus.publish(itemTopic(seq), { n: seq }, options);
      return { driver: { publish, probe: app.get(Probe) }, close: () => app.close() };
    },

    async sends({ idempotent }) {
      const app = await boot([sendHandler(idempotent)]);
      const bus = app.get(MessageBus);
      return { driver: { publish: (seq) => bus.send(SEND_TOPIC, { n: seq }), probe: app.get(Probe) }, close: () => app.close() };
    },

    async commands() {
      const app = await boot([BenchCommandHandler]);
      return roundTrip(app, (bus, seq) => bus.execute<number>(COMMAND_TOPIC, { n: seq }));
    },

    async queries() {
      const app = await boot([BenchQueryHandler]);
      return roundTrip(app, (bus, seq) => bus.request<number>(QUERY_TOPIC, { n: seq }));
    },

    async flood({ backpressure }) {
      const app = await boot([FloodHandler], { ...FLOOD_BUS, backpressure });
      const bus = app.get(MessageBus);
      return {
        driver: {
          publish: (seq) => bus.publish(FLOOD_TOPIC, { n: seq }),
          probe: app.get(Probe),
          dropped: () => bus.getStats().dropped,
        },
        close: () => app.close(),
      };
    },

    outbox: () => outboxHarness((providers) => boot(providers)),
  };
}
