import type { Ledger } from './ledger.js';

/**
 * An open-loop producer: `count` sends at `perSecond`, each started on schedule whether or not
 * the earlier ones settled (a fault then shows as latency and rejections, not as a slower
 * producer). `onSent(n)` runs after the n-th send started, to inject the fault mid-run.
 * Resolves once every send settled.
 */
export async function openLoop(
  ledger: Ledger,
  options: { count: number; perSecond: number; onSent?: (n: number) => void | Promise<void> },
  send: (id: string) => Promise<unknown>,
): Promise<void> {
  const sends: Promise<void>[] = [];
  const began = Date.now();
  for (let n = 1; n <= options.count; n++) {
    const due = began + (n * 1000) / options.perSecond;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const id = ledger.newId();
    sends.push(ledger.send(id, () => send(id)));
    await options.onSent?.(n);
  }
  await Promise.all(sends);
}
