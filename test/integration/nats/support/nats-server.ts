import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, reachable } from '../../../support/brokers.js';

/**
 * A `nats-server -js` owned by one test: its own port and store directory (file storage, so a
 * restart keeps what JetStream acknowledged), optionally a user and password. Stopped with
 * SIGTERM, a clean shutdown, as a restart by an operator would be.
 */
export class NatsServer {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly credentials?: { user: string; pass: string },
  ) {}

  static async start(options: { user?: string; pass?: string } = {}): Promise<NatsServer> {
    const dir = await mkdtemp(join(tmpdir(), 'bus-nats-'));
    const credentials = options.user !== undefined && options.pass !== undefined ? { user: options.user, pass: options.pass } : undefined;
    const server = new NatsServer(await freePort(), dir, credentials);
    await server.resume();
    return server;
  }

  /** The URL, with the credentials in it when the server has some. */
  get url(): string {
    const auth = this.credentials ? `${encodeURIComponent(this.credentials.user)}:${encodeURIComponent(this.credentials.pass)}@` : '';
    return `nats://${auth}127.0.0.1:${this.port}`;
  }

  /** Starts the server again (unless it runs) on the same port and store; resolves once it accepts connections. */
  async resume(): Promise<void> {
    if (this.process !== undefined && this.process.exitCode === null) return;
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.dir];
    if (this.credentials) {
      // In a config file: on the command line the password would show in `ps`.
      const config = join(this.dir, 'auth.conf');
      await writeFile(config, `authorization { user: ${JSON.stringify(this.credentials.user)}, password: ${JSON.stringify(this.credentials.pass)} }\n`);
      args.push('-c', config);
    }
    this.process = spawn('nats-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await reachable(`nats://127.0.0.1:${this.port}`, 200))) {
      if (Date.now() > deadline) throw new Error(`nats-server on port ${this.port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the server; resolves once the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const process = this.process;
    this.process = undefined;
    if (!process || process.exitCode !== null) return;
    const exited = new Promise((resolve) => process.once('exit', resolve));
    process.kill(signal);
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

