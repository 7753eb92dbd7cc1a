import { Injectable } from '@nestjs/common';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EventHandler, InvalidHandlerError, InvalidOptionsError } from 'nestjs-message-bus';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { AppTracker, bootstrapFailure } from '../../support/bus-app.js';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { NatsNamespaces } from './support/nats-namespaces.js';

const available = await brokerAvailable('NATS', NATS_URL);

@Injectable()
class LiveAgents {
  @EventHandler('agent.*', { delivery: 'realtime' })
  onLive() {}
}

describe.runIf(available)('NATS: no realtime delivery', () => {
  const namespaces = new NatsNamespaces(NATS_URL);
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());
  afterAll(() => namespaces.cleanup());
  const transport = () => new NatsTransport({ servers: NATS_URL, stream: namespaces.next('realtime') });

  it('refuses a realtime handler at bootstrap, rather than feeding it durable events', async () => {
    const { error } = await bootstrapFailure({ transport: transport(), providers: [LiveAgents] });
    expect(error).toBeInstanceOf(InvalidHandlerError);
    expect(error.message).toContain('the nats transport has no realtime delivery');
  });

  it('refuses to publish realtime or both', async () => {
    const app = await apps.start({ transport: transport(), providers: [] });
    await expect(app.bus.publish('agent.status', {}, { delivery: 'realtime' })).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(app.bus.publish('agent.status', {}, { delivery: 'both' })).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});
