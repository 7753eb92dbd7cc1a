import { Injectable } from '@nestjs/common';
import { expect } from 'vitest';
import { EventHandler, type Envelope, type MessageContext } from 'nestjs-message-bus';
import { asksToFail, prototypeSnapshot, SMUGGLED } from './hostile-frames.js';

/** The handler of the hostile-frame specs: records what it is given, fails where a frame asks. */
@Injectable()
export class HostileTarget {
  readonly seen: Envelope[] = [];
  @EventHandler('hostile.#')
  on(payload: unknown, context: MessageContext) {
    this.seen.push(context.envelope);
    if (asksToFail(payload)) throw new Error('the handler refuses this payload');
  }
}

/**
 * What handled hostile frames must never do: headers with a prototype, reserved headers or a
 * smuggled flag reaching a handler, a prototype changed (`before` is `prototypeSnapshot()`
 * taken at the start), a log line echoing a huge field.
 */
export function expectNothingSmuggled(seen: Envelope[], before: string[], logLines: string[]): void {
  for (const envelope of seen) {
    expect(Object.getPrototypeOf(envelope.headers)).toBeNull();
    expect(Object.keys(envelope.headers).filter((name) => name.startsWith('x-bus-'))).toEqual([]);
    expect((envelope.headers as Record<string, unknown>)[SMUGGLED.header]).toBeUndefined();
    expect((envelope.payload as Record<string, unknown> | number)[SMUGGLED.flag as never]).toBeUndefined();
  }
  expect(seen.find((envelope) => envelope.headers.tenant === 't1')?.headers).toEqual({ tenant: 't1' });
  expect(seen.find((envelope) => envelope.headers.tenant === 't2')?.headers).toEqual({ tenant: 't2', count: '3' });
  expect(prototypeSnapshot()).toEqual(before);
  expect(({} as Record<string, unknown>)[SMUGGLED.flag]).toBeUndefined();
  // Ids and topics are quoted cut short: no log line echoes a huge field.
  expect(Math.max(...logLines.map((line) => line.length))).toBeLessThan(2_000);
}
