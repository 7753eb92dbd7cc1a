// F23: a foreign producer wedges a group stream with the largest possible id: a send to it
// fails at once with a typed error naming the stream, and other groups keep working, also those
// whose streams come after the wedged one in an event's fan-out.
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

  it('stores an event in every other group when one group stream is wedged, and names the wedged one', async () => {
    const { ledger, children, apps, child } = fault();
    const prefix = namespaces.next();
    const groups = ['alpha', 'beta'];
    for (const group of groups) {
      await children.start(child(group, { url: REDIS_URL, namespace: prefix, serviceName: group, concurrency: 10, listenOnly: group !== 'alpha' }));
    }
    const sender = await apps.start({ transport: new RedisTransport({ url: REDIS_URL, prefix }), options: { serviceName: 'sender' } });
    const redis = new Redis(REDIS_URL);
    try {
      // alpha wedged on band 5 (priority 50), beta on band 4 (priority 40): whichever stream the
      // fan-out writes first, one of the two events meets the wedged stream before the healthy one.
      const wedged = [
        { group: 'alpha', healthy: 'beta', priority: 50, stream: `{${prefix}}:q:alpha:5` },
        { group: 'beta', healthy: 'alpha', priority: 40, stream: `{${prefix}}:q:beta:4` },
      ];
      for (const { stream } of wedged) await redis.xadd(stream, MAX_ID, 'foreign', 'wedge');
      const sent: ((typeof wedged)[number] & { id: string })[] = [];
      for (const wedge of wedged) {
        const id = ledger.newId();
        await ledger.send(id, () => sender.bus.publish('fault.event', { id }, { priority: wedge.priority }));
        sent.push({ ...wedge, id });
      }
      await until(
        () => sent.every(({ id, healthy }) => ledger.handledLines().some((line) => line.id === id && line.service === healthy)),
        5_000,
        'each event handled by the group whose stream is healthy',
      );
      const figures = ledger.figures({
        notes: `2 groups, one wedged stream each on different bands; each event stored in the healthy group: ${sent.map(({ id }) => (ledger.rejected.get(id) as Error | undefined)?.message.slice(0, 120)).join(' | ')}`,
      });

      for (const { id, group, stream } of sent) {
        const error = ledger.rejected.get(id) as Error;
        expect(error).toBeInstanceOf(MessageBusError);
        expect(error.message).toContain(stream);
        expect(ledger.handledLines().some((line) => line.id === id && line.service === group)).toBe(false);
      }
      expect(figures).toMatchObject({ sent: 2, lost: 0, unexpected: 0, typedRejections: 2, untypedRejections: 0, recovered: 2, duplicates: 0 });
      // The wedge does not spread: a later event at the default band still reaches beta.
      const later = ledger.newId();
      await sender.bus.publish('fault.event', { id: later }, { priority: 60 });
      await until(() => ledger.handledLines().filter((line) => line.id === later).length === 2, 5_000, 'a later event on healthy bands handled by both groups');
    } finally {
      redis.disconnect();
    }
  });
});
