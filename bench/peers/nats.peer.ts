import { AckPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NATS_URL, natsStreamOf } from './brokers.js';
import { requireSimpleEvents, type EventDriver, type Harness, type Peer, type PeerContext, type RoundTrip } from './peer.js';
import { Probe } from './probe.js';
import { parseItem } from './workload.js';

// The least a JetStream application does with the same durability as the bus: a file-backed
// stream, publishes awaiting their JetStream ack, a durable pull consumer acking each message
// once handled. Request/reply over core NATS. The same prefetch as the bus's transport.
const PREFETCH = 256;

async function oneWay(stream: string, subject: string): Promise<Harness<EventDriver>> {
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], storage: StorageType.File });
  await jsm.consumers.add(stream, { durable_name: 'raw', filter_subject: subject, ack_policy: AckPolicy.Explicit });
  const probe = new Probe();
  const messages = await (await js.consumers.get(stream, 'raw')).consume({ max_messages: PREFETCH });
  const consuming = (async () => {
    for await (const message of messages) {
      parseItem(Buffer.from(message.data));
      probe.hit();
      message.ack();
    }
  })();
  return {
    driver: { publish: (seq) => js.publish(subject, JSON.stringify({ n: seq })), probe },
    close: async () => {
      messages.stop();
      await consuming;
      await nc.drain();
    },
  };
}

async function requestReply(subject: string): Promise<Harness<RoundTrip>> {
  const nc = await connect({ servers: NATS_URL });
  nc.subscribe(subject, {
    callback: (error, message) => {
      if (error === null) message.respond(JSON.stringify({ n: parseItem(Buffer.from(message.data)).n }));
    },
  });
  return {
    driver: {
      call: async (seq) => parseItem(Buffer.from((await nc.request(subject, JSON.stringify({ n: seq }), { timeout: 5000 })).data)).n,
      verify: (result, seq) => result === seq,
    },
    close: () => nc.drain(),
  };
}

/** The raw NATS client: the minimal code doing what each scenario needs, no framework. */
export function natsPeer({ namespace }: PeerContext): Peer {
  const stream = natsStreamOf(namespace);
  return {
    async events(workload) {
      requireSimpleEvents(workload, 'raw nats', true);
      return oneWay(stream, `${stream}.events`);
    },

    async sends(workload) {
      if (workload.idempotent) throw new Error('raw nats has no idempotent handlers');
      return oneWay(stream, `${stream}.commands`);
    },

    queries: () => requestReply(`${stream}.queries`),
  };
}
