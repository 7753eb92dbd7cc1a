import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, reachable } from '../../../support/brokers.js';
import { DisposableServer } from '../../../support/disposable-server.js';

/**
 * A `nats-server -js` owned by one test: its own port and store directory (file storage, so a
 * restart keeps what JetStream acknowledged), optionally a user and password. Stopped with
 * SIGTERM, a clean shutdown, as a restart by an operator would be.
 */
export class NatsServer extends DisposableServer {
  private constructor(
    port: number,
    dir: string,
    private readonly credentials?: { user: string; pass: string },
  ) {
    super(port, dir);
  }

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
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.dir];
    if (this.credentials) {
      // In a config file: on the command line the password would show in `ps`.
      const config = join(this.dir, 'auth.conf');
      await writeFile(config, `authorization { user: ${JSON.stringify(this.credentials.user)}, password: ${JSON.stringify(this.credentials.pass)} }\n`);
      args.push('-c', config);
    }
    await this.launch('nats-server', args);
  }

  protected answers(): Promise<boolean> {
    return reachable(`nats://127.0.0.1:${this.port}`, 200);
  }
}
