import { Injectable } from '@nestjs/common';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventHandler, type Envelope, type MessageContext } from 'nestjs-message-bus';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { AppTracker, until } from '../../support/bus-app.js';
import { asksToFail, expectedOutcomes, letterOutcome, natsFrames, prototypeSnapshot, SMUGGLED, type NatsFrame } from '../../support/hostile-frames.js';
import { NatsNamespaces } from './support/nats-namespaces.js';

const available = await brokerAvailable('NATS', NATS_URL);

@Injectable()
class Target {
  readonly seen: Envelope[] = [];
  @EventHandler('hostile.#')
  on(payload: unknown, context: MessageContext) {
    this.seen.push(context.envelope);
    if (asksToFail(payload)) throw new Error('the handler refuses this payload');
  }
}

describe.runIf(available)('nats: hostile messages published by a plain nats client', () => {
  const namespaces = new NatsNamespaces(NATS_URL);
  const apps = new AppTracker();
  let plain: NatsConnection;
  beforeAll(async () => {
    plain = await connect({ servers: NATS_URL });
  });
  afterEach(() => apps.closeAll());
  afterAll(async () => {
    await plain.close();
    await namespaces.cleanup();
  });

  it('settles every message once: handled and acked, or dead-lettered with its reason; nothing stays unacked', async () => {
    const before = prototypeSnapshot();
    const stream = namespaces.next('hostile');
    const app = await apps.start({ transport: new NatsTransport({ servers: NATS_URL, stream }), providers: [Target], options: { serviceName: 'hostile' } });
    const js = jetstream(plain);
    const bySequence = new Map<string, NatsFrame>();
    for (const frame of natsFrames) {
      const wire = natsHeaders();
      for (const [name, value] of Object.entries(frame.headers ?? {})) wire.set(name, value);
      const { seq } = await js.publish(`${stream}.g.hostile.event.hostile.frame`, frame.body, { headers: wire });
      bySequence.set(`nats-${seq}`, frame);
    }

    const target = app.get(Target);
    const letterCount = natsFrames.filter((frame) => !('handled' in frame.outcome)).length;
    const handlerRuns = natsFrames.length - letterCount + natsFrames.filter((frame) => frame.name.includes('handler fails')).length;
    await until(async () => target.seen.length === handlerRuns && (await app.bus.deadLetters.count()) === letterCount, 15_000, 'every message settled');

    const actual: Record<string, string> = {};
    for (const envelope of target.seen) {
      const frame = bySequence.get(envelope.id) as NatsFrame;
      if ('handled' in frame.outcome) actual[frame.name] = 'handled';
    }
    for (const letter of await app.bus.deadLetters.list({ limit: 100 })) {
      const frame = bySequence.get(letter.envelope.id) as NatsFrame;
      actual[frame.name] = letterOutcome(frame, letter);
    }
    expect(actual).toEqual(expectedOutcomes(natsFrames));
    const jsm = await jetstreamManager(plain);
    await until(async () => (await jsm.consumers.info(stream, 'hostile')).num_ack_pending === 0, 5000, 'nothing unacked');
    expect(app.bus.getStats()).toMatchObject({ deadLettered: letterCount, deadLetterFailures: 0 });

    // Header maps have no prototype to inherit from; reserved headers never reach a handler.
    for (const envelope of target.seen) {
      expect(Object.getPrototypeOf(envelope.headers)).toBeNull();
      expect(Object.keys(envelope.headers).filter((name) => name.startsWith('x-bus-'))).toEqual([]);
      expect((envelope.headers as Record<string, unknown>)[SMUGGLED.header]).toBeUndefined();
      expect((envelope.payload as Record<string, unknown> | number)[SMUGGLED.flag as never]).toBeUndefined();
    }
    expect(target.seen.find((envelope) => envelope.headers.tenant === 't1')?.headers).toEqual({ tenant: 't1' });
    expect(target.seen.find((envelope) => envelope.headers.tenant === 't2')?.headers).toEqual({ tenant: 't2', count: '3' });
    expect(prototypeSnapshot()).toEqual(before);
    // Ids and topics are quoted cut short: no log line echoes a 60 kB field.
    expect(Math.max(...app.logger.lines.map((line) => line.length))).toBeLessThan(2_000);
  });
});
