// @golevelup/nestjs-rabbitmq 9 peers on Nest 11: this file is compiled with this folder
// (tsconfig.json here) into build/, next to this folder's node_modules, so that it and the shared bench files it
// imports (the probe, the Nest bootstrap) load Nest 11 from there, never the bench's Nest 12.
import 'reflect-metadata';
import { AmqpConnection, RabbitMQModule, RabbitRPC, RabbitSubscribe } from '@golevelup/nestjs-rabbitmq';
import { Injectable, type INestApplicationContext, type Type } from '@nestjs/common';
import { AMQP_URL } from '../peers/brokers.js';
import { bootApp } from '../peers/nest-app.js';
import { requireSimpleEvents, type EventDriver, type Harness, type Peer, type PeerContext } from '../peers/peer.js';
import { Probe } from '../peers/probe.js';
import { EVENT_TOPIC, QUERY_TOPIC, SEND_TOPIC, type Item } from '../peers/workload.js';

// golevelup's default prefetch is 10; nestjs-message-bus's AMQP default is 200. The same for both,
// so that the comparison is of the libraries, not of one setting.
const PREFETCH = 200;
const REQUEST_TIMEOUT_MS = 5_000;

/** The exchanges of one job, named like nestjs-message-bus's: events, commands, queries. */
function exchanges(namespace: string) {
  return { events: namespace, commands: `${namespace}.command`, queries: `${namespace}.query` };
}

function boot(namespace: string, providers: Type<unknown>[]): Promise<INestApplicationContext> {
  const { events, commands, queries } = exchanges(namespace);
  const rabbit = RabbitMQModule.forRoot({
    uri: AMQP_URL,
    exchanges: [
      { name: events, type: 'topic' },
      { name: commands, type: 'direct' },
      { name: queries, type: 'direct' },
    ],
    prefetchCount: PREFETCH,
    // amqplib leaves Nagle's algorithm on unless told: ~40 ms per request/reply round trip.
    connectionManagerOptions: { connectionOptions: { noDelay: true } },
    connectionInitOptions: { wait: true, timeout: 10_000 },
  });
  return bootApp([rabbit], providers);
}

/** A subscriber of `routingKey` on `exchange` with its own durable queue, counting on the probe. */
function subscriber(exchange: string, routingKey: string, queue: string): Type<unknown> {
  @Injectable()
  class BenchSubscriber {
    constructor(private readonly probe: Probe) {}

    @RabbitSubscribe({ exchange, routingKey, queue, queueOptions: { durable: true } })
    async handle(): Promise<void> {
      this.probe.hit();
    }
  }
  return BenchSubscriber;
}

function rpcHandler(exchange: string, queue: string): Type<unknown> {
  @Injectable()
  class BenchRpcHandler {
    @RabbitRPC({ exchange, routingKey: QUERY_TOPIC, queue, queueOptions: { durable: true } })
    async execute(query: Item): Promise<number> {
      return query.n;
    }
  }
  return BenchRpcHandler;
}

/** Publishes persistent messages (acknowledged by the broker: golevelup's channel is a confirm channel). */
async function oneWay(namespace: string, exchange: string, routingKey: string, queue: string): Promise<Harness<EventDriver>> {
  const app = await boot(namespace, [subscriber(exchange, routingKey, queue)]);
  const amqp = app.get(AmqpConnection);
  return {
    driver: {
      publish: (seq) => amqp.publish(exchange, routingKey, { n: seq }, { persistent: true }),
      probe: app.get(Probe),
    },
    close: () => app.close(),
  };
}

/** @golevelup/nestjs-rabbitmq: `@RabbitSubscribe` and `@RabbitRPC` handlers, `AmqpConnection.publish` and `request`. */
export function golevelupPeer({ namespace }: PeerContext): Peer {
  const { events, commands, queries } = exchanges(namespace);
  return {
    async events(workload) {
      requireSimpleEvents(workload, '@golevelup/nestjs-rabbitmq', true);
      return oneWay(namespace, events, EVENT_TOPIC, `${namespace}.events`);
    },

    async sends(workload) {
      if (workload.idempotent) throw new Error('@golevelup/nestjs-rabbitmq has no idempotent handlers');
      return oneWay(namespace, commands, SEND_TOPIC, `${namespace}.commands`);
    },

    async queries() {
      const app = await boot(namespace, [rpcHandler(queries, `${namespace}.queries`)]);
      const amqp = app.get(AmqpConnection);
      return {
        driver: {
          call: (seq) => amqp.request<number>({ exchange: queries, routingKey: QUERY_TOPIC, payload: { n: seq }, timeout: REQUEST_TIMEOUT_MS }),
          verify: (result, seq) => result === seq,
        },
        close: () => app.close(),
      };
    },
  };
}
