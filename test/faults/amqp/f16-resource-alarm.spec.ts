// F16: a RabbitMQ node of the test's own raises a memory alarm and blocks its publishers: sends
// reject typed within publishTimeoutMs instead of hanging, and once the alarm clears new sends
// succeed. Sends that timed out may still arrive later: counted as recovered, not lost.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpTransport } from 'nestjs-message-bus/amqp';
import { until } from '../../support/bus-app.js';
import { RabbitMqNode } from '../../support/rabbitmq-node.js';
import { useFaultRun } from '../support/fault-run.js';

const run = promisify(execFile);
const SENDS = 100;
const PUBLISH_TIMEOUT_MS = 3_000;

describe('F16 amqp: a resource alarm blocks publishers', () => {
  let node: RabbitMqNode;
  const watermark = (value: string) => run('rabbitmqctl', ['-n', node.name, 'set_vm_memory_high_watermark', value], { timeout: 60_000 });
  beforeAll(async () => {
    node = await RabbitMqNode.start('f16');
  }, 120_000);
  afterAll(() => node?.dispose(), 120_000);
  const fault = useFaultRun('F16', 'amqp');

  it('rejects sends typed within publishTimeoutMs while blocked, and sends again once the alarm clears', async () => {
    const { ledger, children, apps, child } = fault();
    const exchange = 'f16-alarm';
    await children.start(child('worker', { url: node.url, namespace: exchange, serviceName: 'workers', concurrency: 50 }));
    const sender = await apps.start({
      transport: new AmqpTransport({ url: node.url, exchange, publishTimeoutMs: PUBLISH_TIMEOUT_MS }),
      options: { serviceName: 'sender' },
    });
    const warmUp = ledger.newId();
    await ledger.send(warmUp, () => sender.bus.send('fault.work', { id: warmUp }));

    await watermark('0.0001');
    const began = Date.now();
    let slowest = 0;
    const blocked = Array.from({ length: SENDS }, () => ledger.newId()).map((id) =>
      ledger.send(id, async () => {
        try {
          await sender.bus.send('fault.work', { id });
        } finally {
          slowest = Math.max(slowest, Date.now() - began);
        }
      }),
    );
    await Promise.all(blocked);
    const rejectedWhileBlocked = [...ledger.rejected.keys()].length;

    await watermark('0.4');
    const clearedAt = Date.now();
    const after = Array.from({ length: 20 }, () => ledger.newId());
    await until(async () => {
      const probe = ledger.newId();
      await ledger.send(probe, () => sender.bus.send('fault.work', { id: probe }));
      return ledger.acknowledged.has(probe);
    }, 30_000, 'sends succeeding after the alarm cleared');
    await Promise.all(after.map((id) => ledger.send(id, () => sender.bus.send('fault.work', { id }))));
    await until(() => ledger.allAcknowledgedHandled(), 30_000, 'every acknowledged send handled');
    // Blocked messages the broker reads once unblocked are handled late: give them a moment to show.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const figures = ledger.figures({
      recoverMs: ledger.firstHandledAfter(clearedAt),
      notes: `${rejectedWhileBlocked} of ${SENDS} sends rejected while blocked, the slowest after ${slowest} ms (publishTimeoutMs ${PUBLISH_TIMEOUT_MS})`,
    });
    expect(rejectedWhileBlocked).toBe(SENDS);
    expect(slowest).toBeLessThan(PUBLISH_TIMEOUT_MS + 1_000);
    expect(after.every((id) => ledger.acknowledged.has(id))).toBe(true);
    expect(figures).toMatchObject({ lost: 0, unexpected: 0, untypedRejections: 0 });
  }, 180_000);
});
