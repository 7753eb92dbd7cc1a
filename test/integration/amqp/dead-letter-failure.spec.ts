import { describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { FAIL_PAYLOAD, HOSTILE_TOPIC, HostileTarget } from '../../support/hostile-frames.js';
import { useAmqpFixture } from './support/amqp-fixture.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

// A plain client can publish a header table this large; the bus's letter of the message adds its
// own headers and goes over amqplib's 64 KiB table limit, so storing the letter fails.
const BULKY = { bulk: 'b'.repeat(65_450) };

describe.runIf(available)('RabbitMQ: a dead letter that cannot be stored', () => {
  const fixture = useAmqpFixture('dead-letter-failure');

  it('is counted, and the message is rejected to its queue dead-letter exchange: kept there, never left unacked', async () => {
    const { exchange, plain } = fixture;
    const app = await fixture.apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [HostileTarget], options: { serviceName: 'hostile' } });
    const publish = (messageId: string, body: string, headers: Record<string, unknown>) =>
      plain.publish(exchange, HOSTILE_TOPIC, Buffer.from(body), { messageId, headers: { ...BULKY, ...headers } });
    // The handler fails on its only attempt: the bus's letter (with the raw-bytes fallback) fails.
    expect(await publish('exhausted', FAIL_PAYLOAD, { 'x-bus-max-attempts': 1 })).toBe(true);
    // Undecodable: the transport's letter fails.
    expect(await publish('undecodable', '{', {})).toBe(true);
    // The handler fails with attempts left: its retry cannot be published either.
    expect(await publish('retried', FAIL_PAYLOAD, { 'x-bus-max-attempts': 3 })).toBe(true);

    await until(async () => (await app.bus.deadLetters.count()) === 3, 10_000, 'three messages in the dead-letter queue');
    const letters = await app.bus.deadLetters.list();
    expect(letters.map((letter) => [letter.envelope.id, letter.reason]).sort()).toEqual([
      ['exhausted', 'REJECTED'],
      ['retried', 'REJECTED'],
      ['undecodable', 'REJECTED'],
    ]);
    for (const letter of letters) expect(letter.error?.message).toMatch(/^Dead-lettered by RabbitMQ \(rejected\) from queue /);
    expect(app.bus.getStats()).toMatchObject({ deadLetterFailures: 2 });
    expect(app.logger.lines.filter((line) => line.includes('Could not store the dead letter'))).toHaveLength(2);
    expect(app.logger.lines.filter((line) => line.includes('(id="retried") failed') && line.endsWith('released to the broker'))).toHaveLength(1);
    await app.close();
    expect((await plain.channel.checkQueue(`${exchange}.hostile`)).messageCount).toBe(0);
  });
});
