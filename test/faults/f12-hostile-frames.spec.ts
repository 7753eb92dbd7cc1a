// F12: hostile frames from a foreign producer, interleaved with good messages in the same group:
// every good one is handled, every hostile one ends as its frame says (handled, or dead-lettered
// with its reason), nothing stays unacked, and memory and decode time stay bounded.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerAvailable } from '../support/brokers.js';
import { until } from '../support/bus-app.js';
import { framesOf, HOSTILE_TOPIC, HostileTarget, type HostileFrame } from '../support/hostile-frames.js';
import { faultBrokers } from './support/fault-brokers.js';
import { useFaultRun } from './support/fault-run.js';
import { rawWriter } from './support/raw-writer.js';

// A full collection, so that heap growth shows what is kept, not garbage the 2 MiB frames left.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

const GOOD = 1_000;
const HOSTILE = 50;
const GROUP = 'hostile';

for (const broker of faultBrokers('f12')) {
  const available = await brokerAvailable(broker.name, broker.url);
  describe.skipIf(!available)(`F12 ${broker.name}: ${HOSTILE} hostile frames among ${GOOD} good messages`, () => {
    broker.setup();
    afterAll(() => broker.cleanup());
    const fault = useFaultRun('F12', broker.name);

    it('handles every good message and settles every hostile frame once, leaving nothing unacked', async () => {
      const { ledger, apps, handlers } = fault();
      const namespace = broker.namespace();
      const app = await apps.start({
        transport: broker.transport(namespace),
        providers: [HostileTarget, ...handlers('consumer', GROUP, true)],
        options: { serviceName: GROUP, retry: { maxAttempts: 1 } },
      });
      const writer = await rawWriter(broker.name, namespace, GROUP);
      try {
        // The broker's frames in turn until there are HOSTILE of them, one after every GOOD / HOSTILE good messages.
        const kinds = framesOf(broker.name);
        const frames: HostileFrame[] = Array.from({ length: HOSTILE }, (_, n) => kinds[n % kinds.length]);
        const byId = new Map<string, HostileFrame>();
        const began = Date.now();
        const heapBefore = heapAfterGc();
        for (const frame of frames) {
          const batch = Array.from({ length: GOOD / HOSTILE }, () => ledger.newId());
          await Promise.all(batch.map((id) => ledger.send(id, () => app.bus.publish('fault.event', { id }))));
          byId.set(await writer.write(frame, HOSTILE_TOPIC), frame);
        }
        const letters = frames.filter((frame) => !('handled' in frame.outcome)).length;
        const target = app.get(HostileTarget);
        const runs = frames.length - letters + frames.filter((frame) => frame.name.includes('handler fails')).length;
        await until(
          async () => ledger.handledIds().size === GOOD && target.seen.length === runs && (await app.bus.deadLetters.count()) === letters,
          30_000,
          'every good message handled and every hostile frame settled',
        );
        const settledMs = Date.now() - began;
        await until(async () => (await writer.unsettled()) === 0, 5_000, 'nothing left unacked');

        const reasons = new Map<string, number>();
        const lettered: string[] = [];
        for (const letter of await app.bus.deadLetters.list({ limit: 100 })) {
          lettered.push(writer.frameIdOf(letter));
          const frame = byId.get(writer.frameIdOf(letter)) as HostileFrame;
          expect(frame.outcome, frame.name).toMatchObject({ reason: letter.reason });
          reasons.set(letter.reason, (reasons.get(letter.reason) ?? 0) + 1);
        }
        const heapGrowthMb = Math.round((heapAfterGc() - heapBefore) / 1e5) / 10;
        const figures = ledger.figures({
          deadLettered: lettered,
          recoverMs: settledMs,
          notes: `${HOSTILE} hostile frames (${kinds.length} kinds) among ${GOOD} good: heap +${heapGrowthMb} MB after GC, ${runs} ran a handler, dead letters ${JSON.stringify(Object.fromEntries(reasons))}; ${(settledMs / (GOOD + HOSTILE)).toFixed(2)} ms per message`,
        });

        expect(figures).toMatchObject({ sent: GOOD, acknowledged: GOOD, handled: GOOD, lost: 0, duplicates: 0, unexpected: 0, deadLettered: letters });
        expect(app.bus.getStats()).toMatchObject({ deadLettered: letters, deadLetterFailures: 0 });
        // Producer and consumer share this process: the bound is on what a GC cannot take back.
        expect(heapGrowthMb).toBeLessThan(50);
        // No frame stalls its group: the whole mix settles in well under the wait above.
        expect(settledMs).toBeLessThan(20_000);
      } finally {
        await writer.close();
      }
    });
  });
}
