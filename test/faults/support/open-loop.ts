import type { Ledger } from './ledger.js';

export interface OpenLoopOptions {
  count: number;
  perSecond: number;
  /** Started once this share of the sends started (0.4: at 40%); resolves with when the fault ended (epoch ms). */
  fault?: { at: number; inject(): Promise<number> };
}

/**
 * An open-loop producer: `count` sends at `perSecond`, each started on schedule whether or not
 * the earlier ones settled (a fault then shows as latency and rejections, not as a slower
 * producer), with an optional fault injected mid-run. Resolves once every send settled and the
 * fault is over, with when it ended (0 without one).
 */
export async function openLoop(ledger: Ledger, options: OpenLoopOptions, send: (id: string) => Promise<unknown>): Promise<number> {
  const sends: Promise<void>[] = [];
  let fault: Promise<number> = Promise.resolve(0);
  const faultAfter = options.fault ? Math.round(options.count * options.fault.at) : -1;
  const began = Date.now();
  for (let n = 1; n <= options.count; n++) {
    const due = began + (n * 1000) / options.perSecond;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const id = ledger.newId();
    sends.push(ledger.send(id, () => send(id)));
    if (n === faultAfter) fault = (options.fault as NonNullable<OpenLoopOptions['fault']>).inject();
  }
  await Promise.all(sends);
  return fault;
}
