import { expect } from 'vitest';
import type { Transport } from 'nestjs-message-bus/transport';
import { until } from '../../support/bus-app.js';
import type { FaultChildConfig } from './fault-protocol.js';
import type { FaultRun } from './fault-run.js';

const MESSAGES = 400;

/**
 * F01/F02: two consumers of one group, `MESSAGES` commands of 1.5 s each; once one consumer
 * started 50 of them it is killed with -9. Asserts that every acknowledged send is handled, that
 * only what the killed one held comes twice, and that each of its messages the survivor ran
 * counts the lost delivery as an attempt.
 */
export async function killMidBatch(run: FaultRun, worker: Omit<FaultChildConfig, 'log'>, transport: Transport): Promise<void> {
  const { ledger, children, apps, child } = run;
  const doomed = await children.start(child('doomed', worker));
  const survivor = await children.start(child('survivor', worker));
  const sender = await apps.start({ transport, options: { serviceName: 'sender' } });

  const sends = Array.from({ length: MESSAGES }, () => ledger.newId()).map((id) =>
    ledger.send(id, () => sender.bus.send('fault.work', { id, sleepMs: 1_500 })),
  );
  await until(() => ledger.lines().filter((line) => line.pid === doomed.pid).length >= 50, 20_000, 'the doomed consumer’s batch');
  const done = new Set(ledger.handledLines().map((line) => line.id));
  const held = ledger.lines().filter((line) => line.pid === doomed.pid && !done.has(line.id)).map((line) => line.id);
  const killedAt = Date.now();
  await doomed.kill();
  await Promise.all(sends);

  await until(() => ledger.allAcknowledgedHandled(), 60_000, 'every acknowledged send handled');
  const figures = ledger.figures({ recoverMs: Date.now() - killedAt, notes: `${held.length} in flight on the killed consumer` });

  expect(figures).toMatchObject({ sent: MESSAGES, acknowledged: MESSAGES, lost: 0, unexpected: 0 });
  const again = ledger.handledLines().filter((line) => line.pid === survivor.pid && held.includes(line.id));
  expect(figures.duplicates).toBeLessThanOrEqual(held.length);
  expect(again.every((line) => line.attempt >= 2)).toBe(true);
}
