import { afterAll, describe } from 'vitest';
import { NatsTransport } from 'nestjs-message-bus/nats';
import { brokerAvailable, NATS_URL } from '../../support/brokers.js';
import { brokerObservability } from '../observability/broker-observability.js';
import { NatsNamespaces } from './support/nats-namespaces.js';

const available = await brokerAvailable('NATS', NATS_URL);

describe.runIf(available)('nats', () => {
  const namespaces = new NatsNamespaces(NATS_URL);
  afterAll(() => namespaces.cleanup());
  brokerObservability('nats', 'nats', NATS_URL, (url) => new NatsTransport({ servers: url, stream: namespaces.next('observe') }));
});
