import type { SoakOptions } from './soak-run.js';

/** SOAK_MINUTES (default 10) and SOAK_KILL_EVERY_S (default 60), with the test's timeout to match. */
export function soakOptions(): SoakOptions & { timeoutMs: number } {
  const minutes = Number(process.env.SOAK_MINUTES ?? 10);
  const killEveryMs = Number(process.env.SOAK_KILL_EVERY_S ?? 60) * 1000;
  if (!(minutes > 0) || !(killEveryMs > 0)) throw new Error('SOAK_MINUTES and SOAK_KILL_EVERY_S must be positive numbers');
  return { minutes, killEveryMs, timeoutMs: minutes * 60_000 + 10 * 60_000 };
}
