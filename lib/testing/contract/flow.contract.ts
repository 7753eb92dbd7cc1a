import { isDeepStrictEqual as deepEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandHandler, EventHandler, QueryHandler, type BusOptions, MessageContext, type Transport } from '../../index.js';
import { engineOf } from '../../message-bus.js';
import { recordBus } from '../record-bus.js';
import { AppTracker, deferred, until } from './bus-app.js';
import type { TransportFactory } from './bus.contract.js';

@Injectable()
class Flaky {
  healthy = false;
  readonly runs: { topic: string; attempt: number }[] = [];
  @CommandHandler('breaker.cmd', { circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 150, successThreshold: 1 }, retry: { maxAttempts: 1 } })
  run(_: unknown, context: MessageContext) {
    this.runs.push({ topic: context.topic, attempt: context.attempt });
    if (!this.healthy) throw new Error('downstream unavailable');
    return 'ok';
  }
}

@Injectable()
class Batched {
  readonly batches: number[][] = [];
  failNext = false;
  @EventHandler('batch.item', { batch: { size: 3, waitMs: 40 }, retry: { maxAttempts: 2, initialDelayMs: 10 } })
  take(payloads: { n: number }[], contexts: MessageContext[]) {
    this.batches.push(payloads.map((payload) => payload.n));
    // What the batch handler type promises: one MessageContext per payload, in the same order.
    const matched =
      contexts.length === payloads.length &&
      contexts.every((context, i) => context instanceof MessageContext && deepEqual(context.envelope.payload, payloads[i]));
    if (!matched) throw new Error('contexts do not match payloads');
    if (this.failNext) {
      this.failNext = false;
      throw new Error('batch failed');
    }
  }
}

@Injectable()
class Delayed {
  readonly handledAt: number[] = [];
  @EventHandler('delayed.evt')
  on() {
    this.handledAt.push(performance.now());
  }
  @QueryHandler('slow.query')
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return 'late';
  }
}

@Injectable()
class Crowded {
  gate = deferred();
  handled = 0;
  @EventHandler('crowd.evt')
  async take() {
    await this.gate.promise;
    this.handled += 1;
  }
}

@Injectable()
class Idempotent {
  readonly runs: string[] = [];
  failFirst = false;
  @CommandHandler('once.by-id', { idempotent: true, retry: { maxAttempts: 2, initialDelayMs: 10 } })
  byId(payload: { n: number }) {
    this.runs.push(`id:${payload.n}`);
    if (this.failFirst) {
      this.failFirst = false;
      throw new Error('first run fails');
    }
  }
  @CommandHandler('once.by-key', { idempotent: (payload) => (payload as { orderId: string }).orderId })
  byKey(payload: { orderId: string; n: number }) {
    this.runs.push(`key:${payload.orderId}:${payload.n}`);
  }
}

/** Flow control every transport must honour; run once per transport, and once per codec (`moduleOptions`). */
export function flowContract(name: string, makeTransport: TransportFactory, moduleOptions: BusOptions = {}): void {
  describe(`flow control on ${name}`, () => {
    const apps = new AppTracker();
    afterEach(() => apps.closeAll());
    const start = (providers: unknown[], options = {}, transport: Transport = makeTransport()) =>
      apps.start({ transport, providers: providers as never[], options: { ...moduleOptions, ...options } });

    it('a circuit opens after consecutive failures, answers CIRCUIT_OPEN, holds messages, half-opens and closes', async () => {
      const app = await start([Flaky]);
      const flaky = app.get(Flaky);
      await app.bus.send('breaker.cmd', {});
      await app.bus.send('breaker.cmd', {});
      await until(() => app.bus.getStats().circuits['Flaky.run'] === 'open');
      expect(await app.bus.execute('breaker.cmd', {})).toMatchObject({ ok: false, error: { code: 'CIRCUIT_OPEN' } });
      await app.bus.send('breaker.cmd', { held: true });
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(flaky.runs).toHaveLength(2);
      // Still failing when the reset timeout passes: the trial fails and the circuit opens again.
      await until(() => flaky.runs.length === 3, 2000);
      expect(app.bus.getStats().circuits['Flaky.run']).toBe('open');
      flaky.healthy = true;
      await app.bus.send('breaker.cmd', { held: true });
      await until(() => flaky.runs.length === 4, 2000);
      await until(() => app.bus.getStats().circuits['Flaky.run'] === 'closed');
      expect(flaky.runs.map((run) => run.attempt)).toEqual([1, 1, 1, 1]);
      expect(await app.bus.execute('breaker.cmd', {})).toMatchObject({ ok: true, data: 'ok' });
    });

    it('batches: full batches at once, a partial one after waitMs; a failed batch is retried message by message', async () => {
      const app = await start([Batched]);
      const batched = app.get(Batched);
      for (let n = 1; n <= 7; n++) await app.bus.publish('batch.item', { n });
      await until(() => batched.batches.flat().length === 7);
      expect(batched.batches.flat().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(batched.batches.every((batch) => batch.length <= 3)).toBe(true);
      batched.batches.length = 0;
      batched.failNext = true;
      for (let n = 10; n <= 12; n++) await app.bus.publish('batch.item', { n });
      await until(() => batched.batches.flat().length === 6);
      expect(batched.batches[0]).toEqual([10, 11, 12]);
      expect(batched.batches.slice(1).flat().sort((a, b) => a - b)).toEqual([10, 11, 12]);
      expect(app.bus.getStats()).toMatchObject({ failed: 3, retried: 3, deadLettered: 0 });
    });

    it('delivers a delayed message no earlier than its delay', async () => {
      const app = await start([Delayed]);
      const sentAt = performance.now();
      await app.bus.publish('delayed.evt', {}, { delayMs: 80 });
      await until(() => app.get(Delayed).handledAt.length === 1);
      expect(app.get(Delayed).handledAt[0] - sentAt).toBeGreaterThanOrEqual(79);
    });

    it('fails an attempt running past the module handler timeout', async () => {
      const app = await start([Delayed], { handlerTimeoutMs: 50 });
      expect(await app.bus.request('slow.query', {})).toMatchObject({
        ok: false,
        error: { code: 'HANDLER_ERROR', message: expect.stringMatching(/did not finish within 50 ms/) },
      });
    });

    it('an idempotent handler runs a redelivered message once, and a failed attempt can still be retried', async () => {
      const app = await start([Idempotent]);
      const idempotent = app.get(Idempotent);
      const engine = engineOf(app.bus);
      idempotent.failFirst = true;
      const result = await app.bus.execute('once.by-id', { n: 1 });
      expect(result.ok).toBe(true);
      expect(idempotent.runs).toEqual(['id:1', 'id:1']);
      const recorder = recordBus(app.bus);
      await app.bus.send('once.by-id', { n: 2 });
      await until(() => idempotent.runs.length === 3);
      // Redeliver the very same message, as a broker would after a crash before the ack.
      const [redelivered] = recorder.published('once.by-id');
      await engine.connected().schedule('app', redelivered, 0);
      await engine.connected().schedule('app', redelivered, 0);
      await until(() => app.bus.getStats().duplicates === 2);
      expect(idempotent.runs).toEqual(['id:1', 'id:1', 'id:2']);
    });

    it.each(['block', 'adaptive', 'drop-oldest'] as const)(
      'with a full local queue (%s) nothing is lost but what is counted as dropped',
      async (backpressure) => {
        const app = await start([Crowded], { concurrency: 1, maxQueueSize: 5, backpressure });
        const crowded = app.get(Crowded);
        const published = Array.from({ length: 30 }, (_, n) => app.bus.publish('crowd.evt', { n }));
        // On a broker the 30 confirmed publishes may take a while to arrive under load. A batch
        // that arrives before the first handler starts may drop that first one, leaving 4 queued.
        await until(() => app.bus.getStats().queued + app.bus.getStats().dropped >= 5, 20_000, 'a full local queue');
        crowded.gate.resolve();
        await Promise.all(published);
        await until(() => crowded.handled + app.bus.getStats().dropped === 30, 10_000);
        await until(() => app.bus.getStats().queued === 0 && app.bus.getStats().inFlight === 0);
        expect(crowded.handled + app.bus.getStats().dropped).toBe(30);
        if (backpressure === 'drop-oldest') expect(app.bus.getStats().dropped).toBeGreaterThan(0);
        else expect(app.bus.getStats().dropped).toBe(0);
      },
    );

    it('an idempotency key function makes different messages with one key run once', async () => {
      const app = await start([Idempotent]);
      await app.bus.send('once.by-key', { orderId: 'A', n: 1 });
      await app.bus.send('once.by-key', { orderId: 'A', n: 2 });
      await app.bus.send('once.by-key', { orderId: 'B', n: 3 });
      await until(() => app.bus.getStats().delivered + app.bus.getStats().duplicates === 3);
      expect(app.get(Idempotent).runs).toEqual(['key:A:1', 'key:B:3']);
    });
  });
}
