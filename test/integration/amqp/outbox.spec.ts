import { describe } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL } from '../../support/brokers.js';
import { usePostgres } from '../../support/postgres.js';
import { outboxContract } from '../outbox/outbox.contract.js';
import { useAmqpFixture } from './support/amqp-fixture.js';

describe('transactional outbox on RabbitMQ', () => {
  const fixture = useAmqpFixture('outbox');
  const postgres = usePostgres('outbox_amqp');
  outboxContract({ apps: fixture.apps, postgres, transport: () => new AmqpTransport({ url: AMQP_URL, exchange: fixture.exchange }) });
});
