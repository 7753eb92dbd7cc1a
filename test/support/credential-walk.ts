import { inspect } from 'node:util';
import { expect } from 'vitest';
import { BusMetrics } from 'nestjs-message-bus';
import { MessageBusHealthIndicator } from 'nestjs-message-bus/health';
import { engineOf } from '../../lib/message-bus.js';
import type { BusApp } from './bus-app.js';

/** Every way an object becomes text by accident: inspected deeply, serialised, stringified; an error also by its stack and cause. */
function renderings(value: unknown): string[] {
  const texts = [inspect(value, { depth: 8 })];
  for (const render of [() => String(value), () => JSON.stringify(value) ?? '']) {
    try {
      texts.push(render());
    } catch (error) {
      // A circular structure cannot be serialised; what the refusal says still counts.
      texts.push((error as Error).message);
    }
  }
  if (value instanceof Error) texts.push(value.stack ?? '', ...(value.cause === undefined ? [] : renderings(value.cause)));
  return texts;
}

/**
 * Fails naming each object one of whose renderings shows a secret. `masked` are the texts that
 * may contain a secret as a harmless part (a user name equal to the password, say), left out first.
 */
export function expectNoSecret(objects: Record<string, unknown>, secrets: string[], masked: string[] = []): void {
  const leaks = Object.entries(objects).flatMap(([name, value]) =>
    renderings(value)
      .map((text) => masked.reduce((rest, harmless) => rest.split(harmless).join(''), text))
      .flatMap((text) => secrets.map((secret) => text.indexOf(secret)).filter((at) => at >= 0).map((at) => text.slice(Math.max(0, at - 400), at + 40)))
      .map((context) => `${name}: …${context}`),
  );
  expect(leaks).toEqual([]);
}

/**
 * The public objects of a running bus app on a broker transport: the bus and its dead letters,
 * the transport connection with its stores and a consumer of its own, health details, metrics,
 * stats and the AsyncAPI document. The app must have `MessageBusHealthModule` imported and have
 * dead-lettered something.
 */
export async function liveObjects(app: BusApp): Promise<Record<string, unknown>> {
  const connection = engineOf(app.bus).connected();
  const consumer = await connection.consume({ group: 'credential-walk', bindings: [{ kind: 'event', pattern: 'walk.#' }], exclusive: false }, () => undefined);
  const objects = {
    bus: app.bus,
    deadLetters: app.bus.deadLetters,
    letters: await app.bus.deadLetters.list(),
    connection,
    'connection.deadLetters': connection.deadLetters,
    'connection.idempotency': connection.idempotency,
    consumer,
    health: await app.get(MessageBusHealthIndicator).isHealthy('bus'),
    metrics: await app.get(BusMetrics).metrics(),
    stats: app.bus.getStats(),
    asyncapi: app.bus.describe(),
  };
  await consumer.stop();
  return objects;
}
