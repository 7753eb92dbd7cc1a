import { Injectable } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHandler, MessageBus, MessageContext, UnrecoverableError } from 'nestjs-message-bus';
import type { Envelope, MessageKind } from 'nestjs-message-bus/transport';
import { buildEnvelope } from '../../../lib/dispatch/envelope-builder.js';
import type { HandlerSpec } from '../../../lib/dispatch/handler.js';
import { engineOf } from '../../../lib/message-bus.js';
import { RecordingConnection } from './recording-connection.js';

const GROUP = 'orders';
const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

let bus: MessageBus | undefined;
afterEach(async () => {
  await engineOf(bus as MessageBus)?.close();
  bus = undefined;
});

/** A bus on a recording connection, `specs` registered, started. */
async function started(...specs: HandlerSpec[]): Promise<RecordingConnection> {
  const connection = new RecordingConnection();
  bus = MessageBus.create(connection.transport(), { serviceName: GROUP, retry: { maxAttempts: 2, initialDelayMs: 100 } }, () => silent);
  const engine = engineOf(bus);
  for (const spec of specs) engine.addHandler(spec);
  await engine.start();
  return connection;
}

function spec(kind: MessageKind, pattern: string, invoke: HandlerSpec['invoke'], extra: Partial<HandlerSpec> = {}): HandlerSpec {
  return { id: `spec.${pattern}`, kind, patterns: [pattern], options: {}, invoke, ...extra };
}

function envelope(kind: MessageKind, topic: string, payload: unknown, replyTo?: string): Envelope {
  return { ...buildEnvelope(kind, topic, payload, undefined, 2), replyTo };
}

describe('dispatch on a connection of its own', () => {
  it('hands a batch handler an array of payloads and, index by index, an array of MessageContext', async () => {
    const seen: { payloads: unknown; contexts: unknown }[] = [];
    const connection = await started(
      spec('event', 'sample.taken', () => undefined, {
        options: { batch: { size: 3, waitMs: 60_000 } },
        invokeBatch: (payloads, contexts) => {
          seen.push({ payloads, contexts });
        },
      }),
    );
    const sent = [1, 2, 3].map((n) => envelope('event', 'sample.taken', { n }));
    await Promise.all(sent.map((message) => connection.deliver(GROUP, message)));

    expect(seen).toHaveLength(1);
    const { payloads, contexts } = seen[0];
    expect(payloads).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(Array.isArray(contexts)).toBe(true);
    const list = contexts as unknown[];
    expect(list.every((context) => context instanceof MessageContext)).toBe(true);
    expect((list as MessageContext[]).map((context) => context.envelope)).toEqual(sent);
    expect(connection.acked).toEqual(sent.map((message) => message.id));
  });

  it('splits a failed batch: each message is rescheduled on its own, for that handler alone', async () => {
    const connection = await started(
      spec('event', 'sample.taken', () => undefined, {
        options: { batch: { size: 2, waitMs: 60_000 } },
        invokeBatch: () => {
          throw new Error('store down');
        },
      }),
    );
    const sent = [1, 2].map((n) => envelope('event', 'sample.taken', { n }));
    await Promise.all(sent.map((message) => connection.deliver(GROUP, message)));

    expect(connection.scheduled.map(({ group, envelope: retry }) => [group, retry.id, retry.attempt])).toEqual([
      [GROUP, sent[0].id, 2],
      [GROUP, sent[1].id, 2],
    ]);
    expect(connection.scheduled.every(({ envelope: retry }) => Object.values(retry.headers).includes('spec.sample.taken'))).toBe(true);
    expect(connection.letters).toEqual([]);
  });

  it('refuses batches for a handler that cannot take them', async () => {
    await expect(started(spec('event', 'sample.taken', () => undefined, { options: { batch: { size: 2, waitMs: 10 } } }))).rejects.toThrow(
      'cannot take batches',
    );
  });

  it('answers a query through the connection, to the reply address and request id of the request', async () => {
    const connection = await started(spec('query', 'orders.count', (payload) => (payload as { of: string[] }).of.length));
    const request = envelope('query', 'orders.count', { of: ['a', 'b'] }, 'peer:replies');
    await connection.deliver(GROUP, request);

    expect(connection.replies).toEqual([{ address: 'peer:replies', reply: { requestId: request.id, result: { ok: true, data: 2 } } }]);
    expect(connection.acked).toEqual([request.id]);
  });

  it('dead-letters an unrecoverable command at once, and a failing one when its attempts are spent', async () => {
    const connection = await started(
      spec('command', 'orders.refund', () => {
        throw new UnrecoverableError('no such order');
      }),
      spec('command', 'orders.ship', () => {
        throw new Error('carrier down');
      }),
    );
    const refund = envelope('command', 'orders.refund', {});
    const ship = { ...envelope('command', 'orders.ship', {}), attempt: 2 };
    await connection.deliver(GROUP, refund);
    await connection.deliver(GROUP, ship);

    expect(connection.scheduled).toEqual([]);
    expect(connection.letters.map((letter) => [letter.envelope.id, letter.reason, letter.handler, letter.group])).toEqual([
      [refund.id, 'UNRECOVERABLE', 'spec.orders.refund', GROUP],
      [ship.id, 'ATTEMPTS_EXHAUSTED', 'spec.orders.ship', GROUP],
    ]);
    expect(connection.acked).toEqual([refund.id, ship.id]);
  });

  it('dead-letters a command its group has no handler for', async () => {
    const connection = await started(spec('event', 'orders.placed', () => undefined));
    const orphan = envelope('command', 'orders.unknown', {});
    await connection.deliver(GROUP, orphan);

    expect(connection.letters.map((letter) => [letter.reason, letter.error?.message])).toEqual([
      ['REJECTED', `No command handler for "orders.unknown" in group ${GROUP}`],
    ]);
  });
});

// Compile-time half of the batch contract: `@EventHandler` with `batch` takes only methods whose
// parameters are arrays (of payloads, then of contexts), which is what the run above hands them.
@Injectable()
export class BatchSignatures {
  @EventHandler('sample.taken', { batch: { size: 10, waitMs: 5 } })
  takesArrays(samples: { n: number }[], contexts: MessageContext[]) {
    return [samples, contexts];
  }

  // @ts-expect-error a batch handler gets an array of payloads, not one payload
  @EventHandler('sample.taken', { batch: { size: 10, waitMs: 5 } })
  takesOne(sample: { n: number }) {
    return sample;
  }

  // @ts-expect-error a batch handler gets an array of contexts, not one context
  @EventHandler('sample.taken', { batch: { size: 10, waitMs: 5 } })
  takesOneContext(samples: { n: number }[], context: MessageContext) {
    return [samples, context];
  }
}
