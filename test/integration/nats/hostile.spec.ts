import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { expectedOutcomes, letterOutcome, natsFrames, prototypeSnapshot, type NatsFrame } from '../../support/hostile-frames.js';
import { expectNothingSmuggled, HostileTarget } from '../../support/hostile-target.js';
import { useNatsFixture } from './support/nats-fixture.js';

const available = await brokerAvailable('NATS', NATS_URL);

describe.runIf(available)('nats: hostile messages published by a plain nats client', () => {
  const { namespaces, apps, plain } = useNatsFixture();

  it('settles every message once: handled and acked, or dead-lettered with its reason; nothing stays unacked', async () => {
    const before = prototypeSnapshot();
    const stream = namespaces.next('hostile');
    const app = await apps.start({ transport: new NatsTransport({ servers: NATS_URL, stream }), providers: [HostileTarget], options: { serviceName: 'hostile' } });
    const js = jetstream(plain());
    const bySequence = new Map<string, NatsFrame>();
    for (const frame of natsFrames) {
      const wire = natsHeaders();
      for (const [name, value] of Object.entries(frame.headers ?? {})) wire.set(name, value);
      const { seq } = await js.publish(`${stream}.g.hostile.event.hostile.frame`, frame.body, { headers: wire });
      bySequence.set(`nats-${seq}`, frame);
    }

    const target = app.get(HostileTarget);
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
    const jsm = await jetstreamManager(plain());
    await until(async () => (await jsm.consumers.info(stream, 'hostile')).num_ack_pending === 0, 5000, 'nothing unacked');
    expect(app.bus.getStats()).toMatchObject({ deadLettered: letterCount, deadLetterFailures: 0 });

    expectNothingSmuggled(target.seen, before, app.logger.lines);
  });
});
