import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const LOCK = join(tmpdir(), 'nestjs-message-bus-rabbitmq-tests.lock');
const WAIT_MS = 180_000;
const ORPHAN_MS = 10_000;

async function olderThan(path: string, ms: number): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > ms;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function acquire(): Promise<void> {
  const began = Date.now();
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch {
      const holder = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(holder) ? !alive(holder) : await olderThan(LOCK, ORPHAN_MS)) {
        // Its holder died without releasing it (or between taking it and writing its pid).
        await rm(LOCK, { recursive: true, force: true });
      }
      if (Date.now() - began > WAIT_MS) throw new Error(`RabbitMQ test lock ${LOCK} still held by pid ${holder}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Runs the RabbitMQ spec files one at a time even when vitest runs files in parallel: one of
 * them restarts the broker, and others measure timings a restart or a kill -9 would disturb.
 */
export function holdBrokerLock(): void {
  let held = false;
  beforeAll(async () => {
    await acquire();
    held = true;
  }, WAIT_MS + 10_000);
  afterAll(async () => {
    if (held) await rm(LOCK, { recursive: true, force: true });
    held = false;
  });
}
