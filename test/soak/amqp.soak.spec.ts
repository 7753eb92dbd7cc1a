// Soak on RabbitMQ: a RabbitMQ node of its own (never the shared broker) killed with -9 and
// restarted once, consumers killed every minute. `npm run soak`; not part of CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { RabbitMqNode } from '../support/rabbitmq-node.js';
import { runSoak } from './support/soak-run.js';
import { soakOptions } from './support/soak-options.js';

const options = soakOptions();

describe('soak: amqp', () => {
  let node: RabbitMqNode;
  beforeAll(async () => {
    node = await RabbitMqNode.start('soak');
  }, 120_000);
  afterAll(() => node?.dispose(), 120_000);

  it(`loses nothing over ${options.minutes} minutes of consumer kills and a broker restart`, async () => {
    const figures = await runSoak(
      {
        transport: 'amqp',
        url: node.url,
        makeTransport: (exchange) => new AmqpTransport({ url: node.url, exchange }),
        kill: () => node.kill(),
        resume: () => node.resume(),
      },
      'soak',
      options,
    );
    expect(figures).toMatchObject({ lost: 0, unexpected: 0, untypedRejections: 0 });
  }, options.timeoutMs);
});
