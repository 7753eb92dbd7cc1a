// F17: RabbitMQ closes the consumer's connection (rabbitmqctl close_connection, on a node of the
// test's own) while 50 handlers of 2 s run. Their acks belong to a channel that is gone: dropped
// and counted (`staleAcks`), never sent on the new channel, where an unknown delivery tag would
// close it (PRECONDITION_FAILED). The broker redelivers the 50; each is handled again (counted
// duplicates), and the group queue has one consumer again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { until } from '../../support/bus-app.js';
import { RabbitMqNode } from '../../support/rabbitmq-node.js';
import { useFaultRun } from '../support/fault-run.js';

const IN_FLIGHT = 50;
const HANDLER_MS = 2_000;
const CHANNEL_ERROR = /PRECONDITION_FAILED|unknown delivery tag|closed channel/i;

describe('F17 amqp: the broker closes the consumer connection mid-handler', () => {
  let node: RabbitMqNode;
  beforeAll(async () => {
    node = await RabbitMqNode.start('f17');
  }, 120_000);
  afterAll(() => node?.dispose(), 120_000);
  const fault = useFaultRun('F17', 'amqp');

  it(`drops and counts the ${IN_FLIGHT} stale acks, handles them again, and no channel error follows`, async () => {
    const { ledger, apps, handlers } = fault();
    const exchange = 'f17-stale';
    const consumer = await apps.start({
      transport: new AmqpTransport({ url: node.url, exchange }),
      options: { serviceName: 'workers', concurrency: 2 * IN_FLIGHT },
      providers: handlers('consumer', 'workers'),
    });
    const sender = await apps.start({ transport: new AmqpTransport({ url: node.url, exchange }), options: { serviceName: 'sender' } });

    const ids = Array.from({ length: IN_FLIGHT }, () => ledger.newId());
    await Promise.all(ids.map((id) => ledger.send(id, () => sender.bus.send('fault.work', { id, sleepMs: HANDLER_MS }))));
    await until(() => ledger.lines().length >= IN_FLIGHT, 15_000, `${IN_FLIGHT} handlers running`);
    const logIndex = consumer.logger.lines.length;
    const closedAt = Date.now();
    expect(await node.closeConnections('workers.')).toBe(1);

    // Every id handled twice: the run that lost its channel, and the redelivery on the new one.
    await until(() => ledger.handledLines().length >= 2 * IN_FLIGHT, 45_000, 'every message handled again after the redelivery');
    const handledAgainMs = Date.now() - closedAt;
    const redelivered = ledger.lines().filter((line) => line.attempt >= 2);
    const firstRedeliveryMs = Math.min(...redelivered.map((line) => line.at)) - closedAt;
    // A late ack sent on the new channel would close it within a round trip (and its messages would
    // come a third time): give it that time.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const afterClose = consumer.logger.lines.slice(logIndex);
    const channelErrors = afterClose.filter((line) => CHANNEL_ERROR.test(line));
    const { staleAcks } = consumer.bus.getStats();
    const consumers = await node.consumers(`${exchange}.workers`);

    const figures = ledger.figures({
      recoverMs: firstRedeliveryMs,
      notes:
        `close_connection of the consumer with ${IN_FLIGHT} handlers of ${HANDLER_MS} ms running; ${staleAcks} stale acks dropped, ` +
        `${channelErrors.length} channel errors after it, all handled again ${handledAgainMs} ms after the close; consumers ${JSON.stringify(Object.fromEntries(consumers))}`,
    });
    expect(figures).toMatchObject({ sent: IN_FLIGHT, acknowledged: IN_FLIGHT, handled: IN_FLIGHT, lost: 0, unexpected: 0, duplicates: IN_FLIGHT });
    expect(channelErrors).toEqual([]);
    expect(staleAcks).toBe(IN_FLIGHT);
    expect(redelivered.every((line) => line.attempt === 2)).toBe(true);
    expect(consumers.get(`${exchange}.workers`)).toBe(1);
  }, 150_000);
});
