import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from './process-alive.js';

/**
 * One RabbitMQ user at a time on this machine: the RabbitMQ spec files (one of them restarts the
 * broker, others measure timings a restart or a kill -9 would disturb) and the bench's RabbitMQ
 * runs. The lock is a directory holding its holder's pid, taken over once that process is gone.
 */
const LOCK = join(tmpdir(), 'nestjs-message-bus-rabbitmq-tests.lock');
// A lock directory without a pid this old was left by a process that died while taking it.
const ORPHAN_MS = 10_000;


/** Waits (at most `waitMs`) for the lock and takes it; `onWait` hears once who holds it. */
export async function acquireRabbitmqLock(waitMs: number, onWait?: (holder: number) => void): Promise<void> {
  const began = Date.now();
  let announced = false;
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch {
      const holder = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => 'NaN'));
      const orphan = Number.isInteger(holder)
        ? !isAlive(holder)
        : Date.now() - ((await stat(LOCK).catch(() => undefined))?.mtimeMs ?? Date.now()) > ORPHAN_MS;
      if (orphan) await rm(LOCK, { recursive: true, force: true });
      if (Date.now() - began > waitMs) throw new Error(`RabbitMQ lock ${LOCK} still held by pid ${holder}`);
      if (!announced) onWait?.(holder);
      announced = true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function releaseRabbitmqLock(): Promise<void> {
  await rm(LOCK, { recursive: true, force: true });
}
