// Soak on Redis: a disposable redis-server (append-only file, fsync always) killed with -9 and
// restarted once, consumers killed every minute. `npm run soak`; not part of CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTransport } from 'nestjs-message-bus/redis';
import { RedisServer, redisServerInstalled } from '../integration/redis/support/redis-server.js';
import { runSoak } from './support/soak-run.js';
import { soakOptions } from './support/soak-options.js';

const installed = await redisServerInstalled();
const options = soakOptions();

describe.skipIf(!installed)('soak: redis', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start({ persistence: 'always' });
  });
  afterAll(() => server?.dispose());

  it(`loses nothing over ${options.minutes} minutes of consumer kills and a broker restart`, async () => {
    const figures = await runSoak(
      {
        transport: 'redis',
        url: server.url,
        makeTransport: (prefix) => new RedisTransport({ url: server.url, prefix }),
        childOptions: { visibilityTimeoutMs: 5_000 },
        kill: () => server.stop('SIGKILL'),
        resume: () => server.resume(),
      },
      'soak',
      options,
    );
    expect(figures).toMatchObject({ lost: 0, unexpected: 0, untypedRejections: 0 });
  }, options.timeoutMs);
});
