// F06 (crash variant): a RabbitMQ node of the test's own is killed with -9 mid-stream of
// confirmed sends and restarted on its data: every confirmed (persistent) send is handled, sends
// in the outage wait or fail typed, and consumers and producer carry on by themselves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { until } from '../../support/bus-app.js';
import { RabbitMqNode } from '../../support/rabbitmq-node.js';
import { openLoop } from '../support/open-loop.js';
import { useFaultRun } from '../support/fault-run.js';

const MESSAGES = 1_500;
const OUTAGE_MS = 2_000;

describe('F06 amqp: broker node kill -9 and restart', () => {
  let node: RabbitMqNode;
  beforeAll(async () => {
    node = await RabbitMqNode.start('f06');
  }, 120_000);
  afterAll(() => node?.dispose(), 120_000);
  const fault = useFaultRun('F06', 'amqp');

  it('handles every confirmed send; sends in the outage wait or fail typed', async () => {
    const { ledger, children, apps, child } = fault();
    const exchange = 'f06-crash';
    for (const name of ['a', 'b']) await children.start(child(name, { url: `${node.url}?heartbeat=5`, namespace: exchange, serviceName: 'workers', concurrency: 50 }));
    const sender = await apps.start({ transport: new AmqpTransport({ url: `${node.url}?heartbeat=5`, exchange }), options: { serviceName: 'sender' } });

    const crash = async () => {
      await node.kill();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await node.resume();
      return Date.now();
    };
    const restartedAt = await openLoop(ledger, { count: MESSAGES, perSecond: 500, fault: { at: 0.4, inject: crash } }, (id) =>
      sender.bus.send('fault.work', { id }),
    );
    await until(() => ledger.allAcknowledgedHandled(), 90_000, 'every confirmed send handled');
    const recoverMs = ledger.firstHandledAfter(restartedAt);
    const figures = ledger.figures({ recoverMs, notes: `kill -9 of the node, restarted after ${OUTAGE_MS} ms, at 40% of an open loop at 500/s` });

    expect(figures).toMatchObject({ sent: MESSAGES, lost: 0, unexpected: 0, untypedRejections: 0 });
    expect(figures.acknowledged + figures.typedRejections).toBe(MESSAGES);
    expect(recoverMs).toBeLessThan(15_000);
  }, 240_000);
});
