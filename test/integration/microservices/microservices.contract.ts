import request from 'supertest';
import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Transport } from 'nestjs-message-bus';
import { RpcRequestError } from 'nestjs-message-bus/microservices';
import { until } from '../../support/bus-app.js';
import { startMathApp, type MathApp } from './support/math-app.js';

/** Nest's microservice integration shapes, served by MessageBusServer on one transport. */
export function microservicesContract(name: string, makeTransport: () => Transport): void {
  describe(`Nest microservices on ${name}`, () => {
    let math: MathApp | undefined;
    afterEach(async () => {
      await math?.close();
      math = undefined;
    });
    const start = async () => (math = await startMathApp(makeTransport()));

    it('answers a sum over HTTP → client → server', async () => {
      const { app } = await start();
      const response = await request(app.getHttpServer()).get('/sum?numbers=1,2,3,4').expect(200);
      expect(response.text).toBe('10');
    });

    it('answers bus.request and bus.execute from a @MessagePattern', async () => {
      const { bus } = await start();
      await expect(bus.request('math.sum', [2, 3])).resolves.toEqual({ ok: true, data: 5 });
      await expect(bus.execute('math.sum', [4, 5])).resolves.toMatchObject({ ok: true, data: 9 });
    });

    it('fans an event out to both @EventPattern listeners and the bus decorator, by wildcard', async () => {
      const { client, seen } = await start();
      await lastValueFrom(client.emit('orders.created', { id: 1 }));
      await lastValueFrom(client.emit('orders.eu.created', { id: 2 }));
      await until(() => seen.events.length >= 3, 5000, 'three listeners');
      const listeners = seen.events.map((event) => `${event.listener}:${event.topic}`).sort();
      expect(listeners).toEqual(['bus:orders.created', 'math:orders.created', 'shipping:orders.created']);
    });

    it('errors with NO_HANDLER for a pattern nobody serves', async () => {
      const { client } = await start();
      const error: unknown = await lastValueFrom(client.send('math.nobody', 1)).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(RpcRequestError);
      expect((error as RpcRequestError).code).toBe('NO_HANDLER');
    });

    it('gives the caller the RpcException as the server threw it', async () => {
      const { client, bus } = await start();
      await expect(lastValueFrom(client.send('math.refuse', 1))).rejects.toEqual({ status: 'error', message: 'sum refused', limit: 10 });
      await expect(bus.request('math.refuse', 1)).resolves.toEqual({
        ok: false,
        error: { code: 'HANDLER_ERROR', message: 'sum refused', details: { status: 'error', message: 'sum refused', limit: 10 } },
      });
    });

    it('answers concurrent requests each with its own result', async () => {
      const { client } = await start();
      const sums = await Promise.all(Array.from({ length: 40 }, (_, n) => lastValueFrom(client.send<number>('math.sum', [n, n]))));
      expect(sums).toEqual(Array.from({ length: 40 }, (_, n) => 2 * n));
    });

    it('hands @Ctx() a BusRpcContext with topic, attempt and envelope', async () => {
      const { client } = await start();
      await expect(lastValueFrom(client.send('math.context', { tag: 't' }))).resolves.toEqual({
        tag: 't',
        topic: 'math.context',
        attempt: 1,
        kind: 'query',
        correlated: true,
      });
    });

    it('retries an executed command by the bus policy, but not a request', async () => {
      const { bus, client } = await start();
      await expect(bus.execute('math.flaky', { key: 'execute', failures: 1 })).resolves.toMatchObject({ ok: true, data: 2 });
      await expect(lastValueFrom(client.send('math.flaky', { key: 'send', failures: 1 }))).rejects.toEqual({
        status: 'error',
        message: 'attempt 1 fails',
      });
    });

    it('runs guards, pipes, interceptors and exception filters as a Nest microservice does', async () => {
      const { client } = await start();
      await expect(lastValueFrom(client.send('math.guarded', { allowed: false }))).rejects.toEqual({
        status: 'error',
        message: 'Forbidden resource',
      });
      await expect(lastValueFrom(client.send('math.guarded', { allowed: true }))).resolves.toBe('let in');
      await expect(lastValueFrom(client.send('math.double', '21'))).resolves.toBe(42);
      await expect(lastValueFrom(client.send('math.wrapped', 'x'))).resolves.toEqual({ wrapped: 'x' });
      await expect(lastValueFrom(client.send('math.filtered', 1))).rejects.toEqual({ code: 'FILTERED', reason: 'no' });
    });

    it('retries a failing event handler by its extras, then dead-letters the event', async () => {
      const { client, bus, seen } = await start();
      await lastValueFrom(client.emit('audit.order.created', { fail: true }));
      await until(async () => (await bus.deadLetters.count()) === 1, 10_000, 'the dead letter');
      expect(seen.events.filter((event) => event.listener === 'audit').map((event) => event.attempt)).toEqual([1, 2]);
      const [letter] = await bus.deadLetters.list({ topic: 'audit.order.created' });
      expect(letter?.handler).toBe('MessageBusServer.event(audit.#)');
    });

    it('reports its status and unwraps to the transport connection', async () => {
      const { server } = await start();
      const statuses: string[] = [];
      server.status.subscribe((status) => statuses.push(status));
      expect(typeof server.unwrap<{ publish: unknown }>().publish).toBe('function');
      await server.close();
      expect(statuses).toEqual(['connected', 'disconnected']);
    });
  });
}
