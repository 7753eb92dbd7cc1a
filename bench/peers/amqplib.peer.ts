import { connect, type ChannelModel } from 'amqplib';
import { AMQP_URL } from './brokers.js';
import { requireSimpleEvents, type EventDriver, type Harness, type Peer, type PeerContext, type RoundTrip } from './peer.js';
import { Probe } from './probe.js';
import { EVENT_TOPIC, parseItem, SEND_TOPIC } from './workload.js';

// The least an AMQP application does: a confirm channel publishing persistent JSON to an exchange
// bound to a durable queue, a consumer acking each message once handled; RPC over direct
// reply-to. The same prefetch as nestjs-message-bus's transport.
const PREFETCH = 200;
const REPLY_TO = 'amq.rabbitmq.reply-to';

function open(): Promise<ChannelModel> {
  // amqplib leaves Nagle's algorithm on unless told: ~40 ms per request/reply round trip.
  return connect(AMQP_URL, { noDelay: true });
}

async function oneWay(exchange: string, type: 'topic' | 'direct', routingKey: string, queue: string): Promise<Harness<EventDriver>> {
  const connection = await open();
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  await publisher.assertExchange(exchange, type, { durable: true });
  await publisher.assertQueue(queue, { durable: true });
  await publisher.bindQueue(queue, exchange, routingKey);
  const probe = new Probe();
  await consumer.prefetch(PREFETCH);
  await consumer.consume(queue, (message) => {
    if (message === null) return;
    parseItem(message.content);
    probe.hit();
    consumer.ack(message);
  });
  const publish = (seq: number) =>
    new Promise<void>((resolve, reject) => {
      const body = Buffer.from(JSON.stringify({ n: seq }));
      publisher.publish(exchange, routingKey, body, { persistent: true, contentType: 'application/json' }, (error: unknown) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
      );
    });
  return { driver: { publish, probe }, close: () => connection.close() };
}

/** Direct reply-to: the requester consumes `amq.rabbitmq.reply-to`, the handler answers to `replyTo` with the correlation id. */
async function requestReply(queue: string): Promise<Harness<RoundTrip>> {
  const connection = await open();
  const server = await connection.createChannel();
  const client = await connection.createChannel();
  await server.assertQueue(queue, { durable: true });
  await server.prefetch(PREFETCH);
  await server.consume(queue, (message) => {
    if (message === null) return;
    const { n } = parseItem(message.content);
    server.sendToQueue(message.properties.replyTo, Buffer.from(JSON.stringify({ n })), { correlationId: message.properties.correlationId });
    server.ack(message);
  });
  const waiting = new Map<string, (answer: number) => void>();
  await client.consume(
    REPLY_TO,
    (message) => {
      if (message === null) return;
      const id = String(message.properties.correlationId);
      waiting.get(id)?.(parseItem(message.content).n);
      waiting.delete(id);
    },
    { noAck: true },
  );
  return {
    driver: {
      call: (seq) =>
        new Promise<number>((resolve) => {
          const id = String(seq);
          waiting.set(id, resolve);
          client.sendToQueue(queue, Buffer.from(JSON.stringify({ n: seq })), { replyTo: REPLY_TO, correlationId: id });
        }),
      verify: (result, seq) => result === seq,
    },
    close: () => connection.close(),
  };
}

/** Raw amqplib: the minimal code doing what each scenario needs, no framework. */
export function amqplibPeer({ namespace }: PeerContext): Peer {
  return {
    async events(workload) {
      requireSimpleEvents(workload, 'raw amqplib', true);
      return oneWay(namespace, 'topic', EVENT_TOPIC, `${namespace}.events`);
    },

    async sends(workload) {
      if (workload.idempotent) throw new Error('raw amqplib has no idempotent handlers');
      return oneWay(`${namespace}.command`, 'direct', SEND_TOPIC, `${namespace}.commands`);
    },

    queries: () => requestReply(`${namespace}.queries`),
  };
}
