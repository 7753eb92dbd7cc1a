import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { describe, it } from 'vitest';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { APP_LIMITS, framesOf, HOSTILE_TOPIC, HostileTarget, limitFrames, settleHostileFrames } from '../../support/hostile-frames.js';
import { useNatsFixture } from './support/nats-fixture.js';

const available = await brokerAvailable('NATS', NATS_URL);

describe.runIf(available)('nats: hostile messages published by a plain nats client', () => {
  const { namespaces, apps, plain } = useNatsFixture();

  /** Publishes each frame to the group's subject of a bus with these limits, then holds every message to its outcome. */
  const settle = async (frames: ReturnType<typeof framesOf<'nats'>>, limits: Partial<typeof APP_LIMITS> = {}) => {
    const stream = namespaces.next('hostile');
    const transport = new NatsTransport({ servers: NATS_URL, stream, maxPayloadDepth: limits.maxPayloadDepth });
    const app = await apps.start({ transport, providers: [HostileTarget], options: { serviceName: 'hostile', maxPayloadBytes: limits.maxPayloadBytes } });
    const js = jetstream(plain());
    await settleHostileFrames({
      app,
      frames,
      send: async (frame) => {
        const wire = natsHeaders();
        for (const [name, value] of Object.entries(frame.nats.headers ?? {})) wire.set(name, value);
        const { seq } = await js.publish(`${stream}.g.hostile.event.${HOSTILE_TOPIC}`, frame.nats.body, { headers: wire });
        // A message without an x-bus-id is known by its stream sequence.
        return `nats-${seq}`;
      },
      frameIdOf: (letter) => letter.envelope.id,
    });
    const jsm = await jetstreamManager(plain());
    await until(async () => (await jsm.consumers.info(stream, 'hostile')).num_ack_pending === 0, 5000, 'nothing unacked');
  };

  it('settles every message once: handled and acked, or dead-lettered with its reason; nothing stays unacked', () => settle(framesOf('nats')));

  it('checks the depth and size an app sets (maxPayloadDepth raised, maxPayloadBytes lowered) on consume', () =>
    settle(framesOf('nats', limitFrames), APP_LIMITS));
});
