import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, reachable } from '../../../support/brokers.js';
import { DisposableServer } from '../../../support/disposable-server.js';
import { makeTlsCertificates, type TlsCertificates } from '../../../support/tls-certificates.js';

export interface NatsServerSetup {
  user?: string;
  pass?: string;
  /** TLS required, with a certificate of a CA made for this server; `verifyClients` wants client certificates too. */
  tls?: { verifyClients?: boolean };
}

/**
 * A `nats-server -js` owned by one test: its own port and store directory (file storage, so a
 * restart keeps what JetStream acknowledged), optionally a user and password and TLS. Stopped with
 * SIGTERM, a clean shutdown, as a restart by an operator would be.
 */
export class NatsServer extends DisposableServer {
  private constructor(
    port: number,
    dir: string,
    private readonly credentials?: { user: string; pass: string },
    /** The CA and certificates when the server requires TLS. */
    readonly certificates?: TlsCertificates,
    private readonly verifyClients = false,
  ) {
    super(port, dir);
  }

  static async start(options: NatsServerSetup = {}): Promise<NatsServer> {
    const dir = await mkdtemp(join(tmpdir(), 'bus-nats-'));
    const credentials = options.user !== undefined && options.pass !== undefined ? { user: options.user, pass: options.pass } : undefined;
    const certificates = options.tls ? await makeTlsCertificates(dir) : undefined;
    const server = new NatsServer(await freePort(), dir, credentials, certificates, options.tls?.verifyClients);
    await server.resume();
    return server;
  }

  /** The URL (`tls://` when the server requires TLS), with the credentials in it when the server has some. */
  get url(): string {
    const auth = this.credentials ? `${encodeURIComponent(this.credentials.user)}:${encodeURIComponent(this.credentials.pass)}@` : '';
    return `${this.certificates ? 'tls' : 'nats'}://${auth}127.0.0.1:${this.port}`;
  }

  /** Starts the server again (unless it runs) on the same port and store; resolves once it accepts connections. */
  async resume(): Promise<void> {
    const args = ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.dir];
    const config: string[] = [];
    // In a config file: on the command line the password would show in `ps`.
    if (this.credentials) config.push(`authorization { user: ${JSON.stringify(this.credentials.user)}, password: ${JSON.stringify(this.credentials.pass)} }`);
    if (this.certificates) {
      const { serverCertFile, serverKeyFile, caFile } = this.certificates;
      config.push(`tls { cert_file: ${JSON.stringify(serverCertFile)}, key_file: ${JSON.stringify(serverKeyFile)}, ca_file: ${JSON.stringify(caFile)}, verify: ${this.verifyClients} }`);
    }
    if (config.length > 0) {
      const file = join(this.dir, 'server.conf');
      await writeFile(file, `${config.join('\n')}\n`);
      args.push('-c', file);
    }
    await this.launch('nats-server', args);
  }

  protected answers(): Promise<boolean> {
    return reachable(`nats://127.0.0.1:${this.port}`, 200);
  }
}
