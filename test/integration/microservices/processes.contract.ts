import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Transport } from 'nestjs-message-bus';
import { MessageBusClient } from 'nestjs-message-bus/microservices';
import { ServerProcess } from './support/server-process.js';

/** A MessageBusClient in this process talking to a MessageBusServer in a child process. */
export function processesContract(name: 'redis' | 'amqp', namespace: () => string, transportIn: (namespace: string) => Transport): void {
  describe(`a Nest microservice in another process on ${name}`, () => {
    let server: ServerProcess | undefined;
    let client: MessageBusClient | undefined;
    afterEach(async () => {
      await client?.close();
      await server?.close();
      client = server = undefined;
    });

    it('answers send and receives emit across processes', async () => {
      const shared = namespace();
      server = await ServerProcess.start(name, shared);
      client = new MessageBusClient({ transport: transportIn(shared), serviceName: 'caller', timeoutMs: 5000 });
      const answer = await lastValueFrom(client.send<{ sum: number; pid: number }>('math.sum', [20, 22]));
      expect(answer).toEqual({ sum: 42, pid: server.pid });
      await lastValueFrom(client.emit('orders.created', { n: 7 }));
      await server.until((report) => report.type === 'event' && report.n === 7);
    }, 60_000);
  });
}
