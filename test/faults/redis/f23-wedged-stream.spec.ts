// F23: a foreign producer wedges a group stream with the largest possible id: a send to it
// fails at once with a typed error naming the stream, and other groups keep working.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MessageBusError } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { brokerAvailable, REDIS_URL } from '../../support/brokers.js';
import { until } from '../../support/bus-app.js';
import { RedisNamespaces } from '../../integration/redis/support/redis-namespaces.js';
import { useFaultRun } from '../support/fault-run.js';

const available = await brokerAvailable('Redis', REDIS_URL);
const MAX_ID = '18446744073709551615-18446744073709551615';

describe.skipIf(!available)('F23 redis: a wedged stream id', () => {
  const namespaces = new RedisNamespaces(REDIS_URL);
  const fault = useFaultRun('F23', 'redis');
  afterAll(() => namespaces.cleanup());

  it('fails the send fast, typed, naming the stream', async () => {
    const { ledger, children, apps, child } = fault();
    const prefix = namespaces.next();
    await children.start(child('worker', { url: REDIS_URL, namespace: prefix, serviceName: 'workers', concurrency: 10 }));
    const sender = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), options: { serviceName: 'sender' } });
    const stream = `{${prefix}}:q:workers:5`;
    const redis = new Redis(REDIS_URL);
    try {
      const before = ledger.newId();
      await ledger.send(before, () => sender.bus.send('fault.work', { id: before }));
      await redis.xadd(stream, MAX_ID, 'foreign', 'wedge');

      const wedged = ledger.newId();
      const began = Date.now();
      await ledger.send(wedged, () => sender.bus.send('fault.work', { id: wedged }));
      const failedAfterMs = Date.now() - began;
      const error = ledger.rejected.get(wedged);
      // The events of other groups are not on that stream: they still flow.
      await until(() => ledger.handledIds().has(before), 5_000, 'the message sent before the wedge');
      const figures = ledger.figures({ recoverMs: failedAfterMs, notes: `send failed after ${failedAfterMs} ms: ${(error as Error | undefined)?.message}` });

      expect(error).toBeInstanceOf(MessageBusError);
      expect((error as Error).message).toContain(stream);
      expect(failedAfterMs).toBeLessThan(1_000);
      expect(figures).toMatchObject({ lost: 0, unexpected: 0, typedRejections: 1, untypedRejections: 0 });
    } finally {
      redis.disconnect();
    }
  });
});
