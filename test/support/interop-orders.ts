import { Injectable } from '@nestjs/common';
import { expect } from 'vitest';
import { CommandHandler, EventHandler, QueryHandler, type Envelope, type MessageContext } from 'nestjs-message-bus';
import { until, type BusApp } from './bus-app.js';

/** The handlers the interoperability specs drive with a plain broker client. */
@Injectable()
export class Orders {
  readonly events: Envelope[] = [];
  readonly commands: Envelope[] = [];
  @EventHandler('orders.*')
  onEvent(_: unknown, context: MessageContext) {
    this.events.push(context.envelope);
  }
  @CommandHandler('orders.cancel')
  onCommand(_: unknown, context: MessageContext) {
    this.commands.push(context.envelope);
  }
  @QueryHandler('orders.count')
  count(payload: { status: string }) {
    return { status: payload.status, count: 3 };
  }
}

/** The envelope a plain client's `orders.created` `{ id: 42 }` with a traceparent and `tenant: 7` becomes. */
export const FOREIGN_ORDER_CREATED = {
  topic: 'orders.created',
  kind: 'event',
  payload: { id: 42 },
  origin: 'external',
  attempt: 1,
  priority: 50,
  headers: { traceparent: '00-abc-def-01', tenant: '7' },
} as const;

/**
 * After a plain client sent `{not json` (id `broken-1`) and then `{ id: 2 }` to `orders.created`:
 * the good one is handled, the broken one is dead-lettered UNDECODABLE with its raw bytes.
 */
export async function expectUndecodableOrder(app: BusApp): Promise<void> {
  await until(() => app.get(Orders).events.length === 1);
  expect(app.get(Orders).events[0].payload).toEqual({ id: 2 });
  await until(async () => (await app.bus.deadLetters.count()) === 1);
  const [letter] = await app.bus.deadLetters.list();
  expect(letter).toMatchObject({
    reason: 'UNDECODABLE',
    error: { code: 'UNDECODABLE', message: expect.stringMatching(/payload not decodable as application\/json/) },
    envelope: { id: 'broken-1', topic: 'orders.created', origin: 'external' },
  });
  expect(Buffer.isBuffer(letter.envelope.payload) && letter.envelope.payload.toString()).toBe('{not json');
}
