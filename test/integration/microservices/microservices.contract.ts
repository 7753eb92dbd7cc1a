import type { DynamicModule } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import request from 'supertest';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BusClosedError, type Transport } from 'nestjs-message-bus';
import { MessageBusClient, RpcRequestError } from 'nestjs-message-bus/microservices';
import { until } from '../../support/bus-app.js';
import { MATH_CLIENT, startMathApp, type MathApp } from './support/math-app.js';
import { LedgerController, Probe, RankedController, startService, WorkController, type Service } from './support/services.js';

/** A namespace on the broker of its own: every transport it makes reaches the same services. */
export type Broker = () => Transport;

/** Nest's microservice integration shapes, served by MessageBusServer on one transport. */
export function microservicesContract(name: string, newBroker: () => Broker): void {
  describe(`Nest microservices on ${name}`, () => {
    let math: MathApp | undefined;
    const services: Service[] = [];
    const clients: MessageBusClient[] = [];
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await Promise.all(services.splice(0).map((service) => service.close()));
      await math?.close();
      math = undefined;
    });
    const start = async (transport = newBroker()(), clientsModule?: DynamicModule) =>
      (math = await startMathApp(transport, clientsModule));
    const service = async (...args: Parameters<typeof startService>) => {
      const started = await startService(...args);
      services.push(started);
      return started;
    };
    const client = (transport: Transport) => {
      const created = new MessageBusClient({ transport, serviceName: 'caller', timeoutMs: 5000 });
      clients.push(created);
      return created;
    };

    const registrations: [string, (broker: Broker) => DynamicModule][] = [
      [
        'ClientsModule.register',
        (broker) =>
          ClientsModule.register([
            { name: MATH_CLIENT, customClass: MessageBusClient, options: { transport: broker(), serviceName: 'caller', timeoutMs: 5000 } },
          ]),
      ],
      [
        'ClientsModule.registerAsync',
        (broker) =>
          ClientsModule.registerAsync([
            {
              name: MATH_CLIENT,
              useFactory: () => ({ customClass: MessageBusClient, options: { transport: broker(), serviceName: 'caller', timeoutMs: 5000 } }),
            },
          ]),
      ],
    ];
    it.each(registrations)('serves a client with a bus of its own from %s({ customClass: MessageBusClient })', async (_, register) => {
      const broker = newBroker();
      const { app, client: registered, seen } = await start(broker(), register(broker));
      const response = await request(app.getHttpServer()).get('/sum?numbers=5,6').expect(200);
      expect(response.text).toBe('11');
      await expect(firstValueFrom(registered.status)).resolves.toBe('connected');
      await lastValueFrom(registered.emit('orders.created', { id: 3 }));
      await until(() => seen.events.length >= 3, 5000, 'three listeners');
      expect(seen.events.map((event) => event.listener).sort()).toEqual(['bus', 'math', 'shipping']);
    });

    it('answers a sum over HTTP → client → server', async () => {
      const { app } = await start();
      const response = await request(app.getHttpServer()).get('/sum?numbers=1,2,3,4').expect(200);
      expect(response.text).toBe('10');
    });

    it("answers Nest's sum app routes: sync, async and observable handlers, concurrent requests, 500 for no handler", async () => {
      const { app } = await start();
      const http = request(app.getHttpServer());
      for (const command of ['math.sum', 'math.sumAsync', 'math.sumObservable']) {
        await http.post(`/?command=${command}`).send([1, 2, 3, 4, 5]).expect(200, '15');
      }
      const lists = Array.from({ length: 10 }, (_, list) => Array.from({ length: 10 }, (_, n) => 10 * list + n + 1));
      await http.post('/concurrent').send(lists).expect(200, 'true');
      await http.post('/?command=math.test').send([1]).expect(500);
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

    it('errors with the bus\'s TIMEOUT when no answer comes within timeoutMs', async () => {
      const { bus } = await start();
      const impatient = new MessageBusClient({ bus, timeoutMs: 50 });
      clients.push(impatient);
      await impatient.connect();
      const error: unknown = await lastValueFrom(impatient.send('math.slow', 300)).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(RpcRequestError);
      expect(error).toMatchObject({ code: 'TIMEOUT' });
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

    it('reports a client\'s status through status and on(), and unwraps it to the transport connection', async () => {
      const caller = client(newBroker()());
      const statuses: string[] = [];
      const heard: string[] = [];
      caller.status.subscribe((status) => statuses.push(status));
      caller.on('connected', () => heard.push('connected'));
      caller.on('disconnected', () => heard.push('disconnected'));
      expect(() => caller.unwrap()).toThrow(BusClosedError);
      await caller.connect();
      expect(typeof caller.unwrap<{ publish: unknown }>().publish).toBe('function');
      await caller.close();
      expect(statuses).toEqual(['connected', 'disconnected']);
      expect(heard).toEqual(['connected', 'disconnected']);
      expect(() => caller.unwrap()).toThrow(BusClosedError);
    });

    it('drains on close(): a handler in flight finishes and its answer arrives', async () => {
      const broker = newBroker();
      const probe = new Probe();
      const worker = await service(broker(), 'worker', probe, [WorkController]);
      const caller = client(broker());
      await caller.connect();
      const answer = lastValueFrom(caller.send('work.hold', 7));
      await probe.started.promise;
      let closed = false;
      // What the handler had recorded when close() resolved.
      const closing = worker.server.close().then(() => ((closed = true), [...probe.records]));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBe(false);
      probe.release.resolve();
      await expect(answer).resolves.toBe('done work.hold');
      await expect(closing).resolves.toEqual([{ handler: 'hold', service: 'worker', n: 7 }]);
    });

    it("applies an @EventPattern's group: instances of two services share it, each once", async () => {
      const broker = newBroker();
      const probe = new Probe();
      await service(broker(), 'billing', probe, [LedgerController]);
      await service(broker(), 'reports', probe, [LedgerController]);
      const emitter = client(broker());
      await emitter.connect();
      for (const n of [1, 2, 3, 4]) await lastValueFrom(emitter.emit('ledger.entry', n));
      await until(() => probe.count('own') === 8 && probe.count('ledger') === 4, 10_000, 'every delivery');
      const handled = (handler: string) => probe.records.filter((record) => record.handler === handler);
      expect(handled('ledger').map((record) => record.n).sort()).toEqual([1, 2, 3, 4]);
      for (const own of ['billing', 'reports']) {
        expect(handled('own').filter((record) => record.service === own).map((record) => record.n).sort()).toEqual([1, 2, 3, 4]);
      }
    });

    it("orders an event's @EventPattern handlers by their priority, one after the other", async () => {
      const broker = newBroker();
      const probe = new Probe();
      await service(broker(), 'ranks', probe, [RankedController]);
      const emitter = client(broker());
      await emitter.connect();
      await lastValueFrom(emitter.emit('ranked.one', 1));
      await until(() => probe.records.length === 2, 5000, 'both handlers');
      expect(probe.records.map((record) => record.handler)).toEqual(['early', 'late']);
    });
  });
}
