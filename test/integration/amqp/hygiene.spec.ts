import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventHandler } from 'nestjs-message-bus';
import { AmqpTransport, AmqpTransportError } from 'nestjs-message-bus/amqp';
import { transportFromUrl } from '../../../lib/transports/transport-url.js';
import { AMQP_URL, brokerAvailable } from '../../support/brokers.js';
import { bootstrapFailure, until } from '../../support/bus-app.js';
import { useAmqpFixture } from './support/amqp-fixture.js';
import type { PlainClient } from './support/plain-client.js';

const available = await brokerAvailable('RabbitMQ', AMQP_URL);

const SECRET = 'Sup3r-S3cret-Passw0rd';
const TLS_CERT = readFileSync(new URL('./fixtures/tls/cert.pem', import.meta.url));
const TLS_KEY = readFileSync(new URL('./fixtures/tls/key.pem', import.meta.url));

@Injectable()
class Notes {
  readonly seen: unknown[] = [];
  @EventHandler('notes.*')
  on(payload: unknown) {
    this.seen.push(payload);
  }
}

/** Credentials must never show: not in messages, stacks, inspected errors, nor any log line. */
function expectMasked(error: Error, lines: string[]): void {
  for (const text of [error.message, String(error.stack), inspect(error, { depth: 5 }), ...lines]) {
    expect(text).not.toContain(SECRET);
  }
}

describe.runIf(available)('RabbitMQ transport hygiene', () => {
  const fixture = useAmqpFixture('hygiene');
  const { apps } = fixture;
  let exchange: string;
  let plain: PlainClient;
  beforeEach(() => {
    ({ exchange, plain } = fixture);
  });

  it('fails bootstrap with a clear TRANSPORT_ERROR when a queue exists with other arguments, without crashing', async () => {
    await plain.channel.assertQueue(`${exchange}.app`, { durable: true });
    const { error } = await bootstrapFailure({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [Notes] });
    expect(error).toBeInstanceOf(AmqpTransportError);
    expect(error).toMatchObject({ code: 'TRANSPORT_ERROR', amqpCode: 406 });
    expect(error.message).toContain(`Declaring queue "${exchange}.app" failed`);
    expect(error.message).toMatch(/PRECONDITION_FAILED - inequivalent arg 'x-dead-letter-exchange'/);
    // Nothing else was harmed: the same broker serves a correct application at once.
    await plain.channel.deleteQueue(`${exchange}.app`);
    const app = await apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [Notes] });
    await app.bus.publish('notes.a', { n: 1 });
    await until(() => app.get(Notes).seen.length === 1);
  });

  it('consumes again, re-declaring and re-binding, when its queue is deleted under it', async () => {
    const app = await apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [Notes] });
    await plain.channel.deleteQueue(`${exchange}.app`);
    await until(async () => (await plain.publish(exchange, 'notes.b', { n: 2 })) && app.get(Notes).seen.length > 0, 10_000, 'the queue to come back');
    expect(app.logger.lines.some((line) => line.includes('cancelled the consumer'))).toBe(true);
  });

  it('fails a publish to an exchange deleted under it with the broker reason, and keeps publishing', async () => {
    const app = await apps.start({ transport: new AmqpTransport({ url: AMQP_URL, exchange }), providers: [Notes] });
    await plain.channel.deleteExchange(exchange);
    const failed = app.bus.publish('notes.c', {});
    await expect(failed).rejects.toBeInstanceOf(AmqpTransportError);
    await expect(failed).rejects.toThrow(/NOT_FOUND - no exchange/);
    await plain.channel.assertExchange(exchange, 'topic', { durable: true });
    await plain.channel.bindQueue(`${exchange}.app`, exchange, 'notes.*');
    await until(async () => {
      try {
        await app.bus.publish('notes.d', { n: 4 });
        return true;
      } catch {
        return false;
      }
    }, 10_000);
    await until(() => app.get(Notes).seen.length === 1);
  });

  it('masks credentials when the broker refuses them', async () => {
    const url = AMQP_URL.replace(/\/\/([^:@/]+)(:[^@/]*)?@/, `//$1:${SECRET}@`);
    const { error, logger } = await bootstrapFailure({ transport: new AmqpTransport({ url, exchange }) });
    expect(error).toBeInstanceOf(AmqpTransportError);
    expect(error.message).toMatch(/Could not connect to RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672.*ACCESS_REFUSED/);
    expectMasked(error, logger.lines);
  });

  it('masks credentials when the broker cannot be reached, and in what it logs when it can', async () => {
    const { error, logger } = await bootstrapFailure({ transport: new AmqpTransport({ url: `amqp://bus:${SECRET}@127.0.0.1:1/vhost`, exchange }) });
    expect(error.message).toMatch(/amqp:\/\/bus:\*\*\*@127\.0\.0\.1:1\/vhost.*ECONNREFUSED/);
    expectMasked(error, logger.lines);

    const transport = new AmqpTransport({ url: AMQP_URL, exchange });
    // The shared broker's user and password are both `guest`: the user may show, the password not.
    const shown = inspect(transport, { depth: 10, showHidden: true });
    expect(shown).not.toContain(`:${new URL(AMQP_URL).password}@`);
    expect(shown).toContain('amqp://guest:***@127.0.0.1:5672');
    const app = await apps.start({ transport, providers: [Notes] });
    await app.close();
    expect(app.logger.lines).toContainEqual(expect.stringMatching(/Connected to RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672/));
    expect(app.logger.lines.join('\n')).not.toContain(`:${new URL(AMQP_URL).password}@`);
  });

  describe('amqps://', () => {
    let server: Server;
    let port: number;
    const handshakes: { servername: string | false | null }[] = [];
    beforeEach(async () => {
      server = createServer({ key: TLS_KEY, cert: TLS_CERT }, (socket: TLSSocket) => {
        handshakes.push({ servername: socket.servername });
        // Not a broker: the TLS handshake is what is checked here.
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('hands TLS options to the socket: with the CA the handshake succeeds, without it the certificate is refused', async () => {
      const url = `amqps://bus:${SECRET}@127.0.0.1:${port}`;
      const trusted = await bootstrapFailure({
        transport: new AmqpTransport({ url, exchange, socket: { ca: [TLS_CERT], servername: 'bus.test' } }),
      });
      expect(handshakes).toEqual([{ servername: 'bus.test' }]);
      expect(trusted.error.message).toMatch(new RegExp(`Could not connect to RabbitMQ at amqps://bus:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
      expectMasked(trusted.error, trusted.logger.lines);

      const untrusted = await bootstrapFailure({ transport: new AmqpTransport({ url, exchange, socket: { servername: 'bus.test' } }) });
      expect(untrusted.error.message).toMatch(/self[- ]signed certificate/);
      expectMasked(untrusted.error, untrusted.logger.lines);
    });

    it('is picked by MessageBusModule.forRoot URL strings', async () => {
      await expect(transportFromUrl(`amqps://bus:${SECRET}@rabbit.example:5671`)).resolves.toBeInstanceOf(AmqpTransport);
      await expect(transportFromUrl('amqp://rabbit.example')).resolves.toMatchObject({ name: 'amqp' });
    });
  });
});
