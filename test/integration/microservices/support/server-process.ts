import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AMQP_URL, REDIS_URL } from '../../../support/brokers.js';

const LAUNCHER = fileURLToPath(new URL('../../amqp/fixtures/run-fixture.mjs', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export type ServerReport = { type: 'ready'; pid: number } | { type: 'event'; n: number; pid: number };

/** The microservice of server-child.ts in its own process. */
export class ServerProcess {
  readonly reports: ServerReport[] = [];
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (report: ServerReport) => this.reports.push(report));
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(transport: 'redis' | 'amqp', namespace: string): Promise<ServerProcess> {
    const server = new ServerProcess(
      fork(LAUNCHER, [FIXTURE], {
        env: { ...process.env, REDIS_URL, AMQP_URL, MICRO_TRANSPORT: transport, MICRO_NAMESPACE: namespace },
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      }),
    );
    await server.until((report) => report.type === 'ready', 30_000);
    return server;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  async until(predicate: (report: ServerReport) => boolean, timeoutMs = 10_000): Promise<void> {
    const began = Date.now();
    while (!this.reports.some(predicate)) {
      if (this.child.exitCode !== null) throw new Error(`The server process exited:\n${this.output}`);
      if (Date.now() - began > timeoutMs) throw new Error(`Timed out waiting for the server process:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Asks the microservice to close (drain) and waits for the process to exit. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) this.child.send({ type: 'close' });
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(killer);
  }
}
