// F15 (Redis): a Redis out of memory under `noeviction` refuses the XADD, and the send rejects
// with a typed error: no send resolves without its entry stored. A Redis that may evict keys is
// named in a warning at boot.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from 'nestjs-message-bus';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { until } from '../../support/bus-app.js';
import { RedisServer, redisServerInstalled } from '../../integration/redis/support/redis-server.js';
import { useFaultRun } from '../support/fault-run.js';

const installed = await redisServerInstalled();
// In this helper's port range: a disposable server no other test uses.
const PORT = 16_511;
const PAYLOAD = 'x'.repeat(50_000);

describe.skipIf(!installed)('F15 redis: a full Redis refuses the send', () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await RedisServer.start({ port: PORT, persistence: 'none' });
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.dispose();
  });
  const fault = useFaultRun('F15', 'redis');

  it('warns at boot about eviction, rejects sends typed once Redis is full, stores every acknowledged one', async () => {
    const { ledger, apps, handlers } = fault();
    const transport = () => new RedisTransport({ url: server.url, prefix: 'f15' });
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const evicting = await apps.start({ transport: transport(), options: { serviceName: 'probe' } });
    const warned = evicting.logger.lines.some((line) => line.includes('maxmemory-policy allkeys-lru'));
    await evicting.close();

    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    const worker = await apps.start({ transport: transport(), providers: handlers('worker-1', 'workers'), options: { serviceName: 'workers' } });
    await worker.close();
    const sender = await apps.start({ transport: transport(), options: { serviceName: 'sender' } });
    const quiet = !sender.logger.lines.some((line) => line.includes('maxmemory-policy'));
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    await admin.config('SET', 'maxmemory', String(used + 4 * 1024 * 1024));
    // 50 kB entries until Redis is full, then 20 more that must all be refused.
    let refusedInARow = 0;
    while (refusedInARow < 20 && ledger.attempted.size < 1_000) {
      const id = ledger.newId();
      await ledger.send(id, () => sender.bus.send('fault.work', { id, pad: PAYLOAD }));
      refusedInARow = ledger.rejected.has(id) ? refusedInARow + 1 : 0;
    }
    const stored = await admin.xlen('{f15}:q:workers:5');
    const error = [...ledger.rejected.values()][0] as Error | undefined;

    await admin.config('SET', 'maxmemory', '0');
    await apps.start({ transport: transport(), providers: handlers('worker-2', 'workers'), options: { serviceName: 'workers' } });
    await until(() => ledger.allAcknowledgedHandled(), 20_000, 'every acknowledged send handled once Redis has room');
    const figures = ledger.figures({ notes: `maxmemory = used + 4 MiB, noeviction: ${stored} stored, then ${error?.message.slice(0, 160)}; eviction warning at boot: ${warned}` });

    expect(warned).toBe(true);
    expect(quiet).toBe(true);
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.message).toMatch(/OOM/);
    expect(stored).toBe(figures.acknowledged);
    expect(figures).toMatchObject({ lost: 0, unexpected: 0, untypedRejections: 0, recovered: 0 });
    expect(figures.typedRejections).toBeGreaterThanOrEqual(20);
  });
});
