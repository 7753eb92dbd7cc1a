// F13: `__proto__` and `constructor.prototype` arriving on the wire, in the payload, in headers and
// as envelope fields, pollute no prototype: Object.prototype and a fresh {} are unchanged, the
// handler gets its `safe` field, a ValidationPipe DTO inherits no `isAdmin`, and a guard reading
// `ctx.envelope.headers.isAdmin` sees undefined.
import { appendFileSync } from 'node:fs';
import { Injectable, UseGuards, UsePipes, ValidationPipe, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { IsInt } from 'class-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerAvailable } from '../support/brokers.js';
import { EventHandler, type MessageContext } from 'nestjs-message-bus';
import { until } from '../support/bus-app.js';
import type { HostileFrame } from '../support/hostile-frames.js';
import type { HandledLine } from './support/fault-protocol.js';
import { faultBrokers } from './support/fault-brokers.js';
import { useFaultRun } from './support/fault-run.js';
import { rawWriter } from './support/raw-writer.js';

const TOPIC = 'pollution.frame';
const GROUP = 'pollution';

class SafeDto {
  @IsInt()
  safe!: number;
}

/** What the guard and the handler saw of `isAdmin`, per message. */
const seen: { guard: unknown[]; dto: unknown[]; headers: unknown[] } = { guard: [], dto: [], headers: [] };
let handledLog = '';

@Injectable()
class AdminHeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    seen.guard.push(context.switchToRpc().getContext<MessageContext>().envelope.headers.isAdmin);
    return true;
  }
}

@Injectable()
class PollutionTarget {
  @UseGuards(AdminHeaderGuard)
  @UsePipes(new ValidationPipe({ transform: true }))
  @EventHandler('pollution.#')
  on(dto: SafeDto & { id: string }, context: MessageContext) {
    seen.dto.push((dto as unknown as Record<string, unknown>).isAdmin);
    seen.headers.push(context.envelope.headers.isAdmin);
    const line: HandledLine = { id: dto.id, pid: process.pid, attempt: context.attempt, done: true, at: Date.now(), service: GROUP, safe: dto.safe } as HandledLine;
    appendFileSync(handledLog, `${JSON.stringify(line)}\n`);
  }
}

/** A payload with the test's id, `safe: n`, and a smuggling key written as JSON text (so it is an own key on the wire). */
const payload = (id: string, n: number, smuggled: string) => `{"id":"${id}","safe":${n},${smuggled}}`;
const PROTO = `"__proto__":{"isAdmin":true}`;
const CONSTRUCTOR = `"constructor":{"prototype":{"isAdmin":true}}`;
const HEADERS_PROTO = `{"__proto__":{"isAdmin":"yes"},"tenant":"t1"}`;

/** The frames of one run, each with the id its payload carries. */
function pollutionFrames(next: () => string): { id: string; frame: HostileFrame }[] {
  const frame = (name: string, build: (id: string) => Omit<HostileFrame, 'name' | 'outcome'>) => {
    const id = next();
    return { id, frame: { name, outcome: { handled: true as const }, ...build(id) } };
  };
  return [
    frame('payload __proto__', (id) => ({
      redis: (topic) => ['topic', topic, 'payload', payload(id, 1, PROTO)],
      amqp: { content: Buffer.from(payload(id, 1, PROTO)), options: {} },
    })),
    frame('payload constructor.prototype', (id) => ({
      redis: (topic) => ['topic', topic, 'payload', payload(id, 2, CONSTRUCTOR)],
      amqp: { content: Buffer.from(payload(id, 2, CONSTRUCTOR)), options: {} },
    })),
    frame('headers __proto__.isAdmin', (id) => ({
      redis: (topic) => ['topic', topic, 'payload', payload(id, 3, '"n":0'), 'headers', HEADERS_PROTO],
      amqp: { content: Buffer.from(payload(id, 3, '"n":0')), options: { headers: JSON.parse(HEADERS_PROTO) as Record<string, unknown> } },
    })),
    frame('headers constructor.prototype.isAdmin', (id) => ({
      redis: (topic) => ['topic', topic, 'payload', payload(id, 4, '"n":0'), 'headers', `{"constructor":{"prototype":{"isAdmin":"yes"}}}`],
      amqp: { content: Buffer.from(payload(id, 4, '"n":0')), options: { headers: JSON.parse(`{"constructor":{"prototype":{"isAdmin":"yes"}}}`) as Record<string, unknown> } },
    })),
    // Envelope fields named __proto__ and constructor: entry fields on Redis, x-bus- headers on RabbitMQ.
    frame('envelope fields __proto__ and constructor', (id) => ({
      redis: (topic) => ['topic', topic, 'payload', payload(id, 5, '"n":0'), '__proto__', '{"isAdmin":true}', 'constructor', '{"prototype":{"isAdmin":true}}'],
      amqp: {
        content: Buffer.from(payload(id, 5, '"n":0')),
        options: { headers: JSON.parse(`{"x-bus-__proto__":"{\\"isAdmin\\":true}","__proto__":{"x-bus-attempt":"9","isAdmin":"yes"}}`) as Record<string, unknown> },
      },
    })),
  ];
}

const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort();

for (const broker of faultBrokers('f13')) {
  const available = await brokerAvailable(broker.name, broker.url);
  describe.skipIf(!available)(`F13 ${broker.name}: prototype pollution from the wire`, () => {
    broker.setup();
    afterAll(() => broker.cleanup());
    const fault = useFaultRun('F13', broker.name);

    it('pollutes no prototype; handler, DTO and guard see no inherited isAdmin', async () => {
      const { ledger, apps } = fault();
      handledLog = `${ledger.logDir}/target.jsonl`;
      for (const list of Object.values(seen)) list.length = 0;
      const namespace = broker.namespace();
      const before = prototypeNames();
      const app = await apps.start({ transport: broker.transport(namespace), providers: [PollutionTarget, AdminHeaderGuard], options: { serviceName: GROUP } });
      const writer = await rawWriter(broker.name, namespace, GROUP);
      try {
        const frames = pollutionFrames(() => ledger.newId());
        for (const { id, frame } of frames) await ledger.send(id, () => writer.write(frame, TOPIC));
        await until(async () => ledger.handledIds().size + (await app.bus.deadLetters.count()) === frames.length, 10_000, 'every frame settled');
        const letters = await app.bus.deadLetters.list();
        const handled = ledger.handledLines() as (HandledLine & { safe: number })[];
        const figures = ledger.figures({
          deadLettered: letters.map((letter) => writer.frameIdOf(letter)),
          notes: `${frames.length} frames: ${handled.length} handled (safe ${handled.map((line) => line.safe).join(',')}), ${letters.map((letter) => `${letter.reason}: ${letter.error?.message.slice(0, 80)}`).join('; ') || 'no dead letter'}; guard saw isAdmin ${JSON.stringify(seen.guard)}`,
        });

        expect(prototypeNames()).toEqual(before);
        expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('isAdmin');
        expect(seen.guard.every((value) => value === undefined)).toBe(true);
        expect(seen.headers.every((value) => value === undefined)).toBe(true);
        expect(seen.dto.every((value) => value === undefined)).toBe(true);
        expect(handled.every((line) => Number.isInteger(line.safe))).toBe(true);
        // Every frame reaches the handler with its safe field: the smuggling keys are dropped, not obeyed.
        expect(figures).toMatchObject({ sent: frames.length, handled: frames.length, lost: 0, unexpected: 0, duplicates: 0, deadLettered: 0 });
        expect(await writer.unsettled()).toBe(0);
      } finally {
        await writer.close();
      }
    });
  });
}
