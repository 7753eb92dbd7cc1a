import { afterAll, beforeAll } from 'vitest';
import { acquireRabbitmqLock, releaseRabbitmqLock } from '../../../support/rabbitmq-lock.js';

const WAIT_MS = 180_000;

/** Runs the RabbitMQ spec files one at a time, even when vitest runs files in parallel. */
export function holdBrokerLock(): void {
  let held = false;
  beforeAll(async () => {
    await acquireRabbitmqLock(WAIT_MS);
    held = true;
  }, WAIT_MS + 10_000);
  afterAll(async () => {
    if (held) await releaseRabbitmqLock();
    held = false;
  });
}
