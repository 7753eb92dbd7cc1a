import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../../support/brokers.js';
import { DisposableServer } from '../../../support/disposable-server.js';

/**
 * A redis-server owned by one test: its own port and data directory, the append-only file on by
 * default (so a restart keeps what was stored), optionally a password. Stopped with SIGTERM,
 * which makes Redis flush the append-only file, as a clean restart would, or killed with SIGKILL.
 */
export class RedisServer extends DisposableServer {
  private constructor(
    port: number,
    dir: string,
    readonly password: string | undefined,
    private readonly persistence: 'always' | 'everysec' | 'none',
  ) {
    super(port, dir);
  }

  /** `port` defaults to a free one; `persistence` to the append-only file synced every second. */
  static async start(options: { password?: string; port?: number; persistence?: 'always' | 'everysec' | 'none' } = {}): Promise<RedisServer> {
    const dir = await mkdtemp(join(tmpdir(), 'bus-redis-'));
    const server = new RedisServer(options.port ?? (await freePort()), dir, options.password, options.persistence ?? 'everysec');
    await server.resume();
    return server;
  }

  /** The URL of the server, with the password in it when there is one. */
  get url(): string {
    return this.urlWith(this.password);
  }

  urlWith(password: string | undefined): string {
    return `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${this.port}`;
  }

  /** Starts the server again (unless it runs) on the same port and data directory; resolves once it answers. */
  async resume(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', ''];
    if (this.persistence === 'none') args.push('--appendonly', 'no');
    else args.push('--appendonly', 'yes', '--appendfsync', this.persistence);
    if (this.password !== undefined) args.push('--requirepass', this.password);
    await this.launch('redis-server', args);
  }

  protected async answers(): Promise<boolean> {
    const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }
}

/**
 * Whether tests that start their own redis-server can run. Outside CI a missing binary skips
 * them with a message; under `CI=true` it throws, so CI fails instead of silently skipping.
 */
export async function redisServerInstalled(): Promise<boolean> {
  const found = await new Promise<boolean>((resolve) => {
    const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' });
    probe.once('error', () => resolve(false));
    probe.once('exit', (code) => resolve(code === 0));
  });
  if (found) return true;
  if (process.env.CI === 'true') throw new Error('redis-server is not installed; CI requires it');
  console.warn('redis-server is not installed: skipping the tests that start their own Redis');
  return false;
}
