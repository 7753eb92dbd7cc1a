import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { ChildConfig, ChildReport, ChildRequest, HandledReport } from './child-protocol.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const lib = (path: string) => join(ROOT, 'lib', path);
// Under node_modules, so the built file resolves Nest, ioredis and the rest from the project.
const CACHE = join(ROOT, 'node_modules', '.cache', 'nestjs-message-bus-tests');

/**
 * Real processes running a small Nest app on the Redis (or NATS) transport. The app is TypeScript with
 * decorators, so it is bundled first (Vite, with the same decorator transform and aliases as
 * vitest, the library bundled in from lib/): a fresh clone needs no prior build, and each test
 * file gets its own bundle in about a quarter of a second.
 */
export class ChildProcesses {
  private readonly children: Child[] = [];
  private entry?: string;
  private outDir?: string;

  async build(): Promise<void> {
    await mkdir(CACHE, { recursive: true });
    this.outDir = await mkdtemp(join(CACHE, 'child-'));
    await build({
      configFile: false,
      root: ROOT,
      logLevel: 'error',
      oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
      resolve: {
        alias: [
          { find: /^nestjs-message-bus\/redis$/, replacement: lib('transports/redis/index.ts') },
          { find: /^nestjs-message-bus\/nats$/, replacement: lib('transports/nats/index.ts') },
          { find: /^nestjs-message-bus$/, replacement: lib('index.ts') },
        ],
      },
      build: {
        ssr: fileURLToPath(new URL('./child-app.ts', import.meta.url)),
        outDir: this.outDir,
        emptyOutDir: true,
        minify: false,
        target: 'node20',
        rollupOptions: { output: { format: 'es', entryFileNames: 'child-app.mjs' } },
      },
    });
    this.entry = join(this.outDir, 'child-app.mjs');
  }

  /** Starts a child and resolves once its application is up (handlers bound, consuming). */
  async start(config: ChildConfig): Promise<Child> {
    if (this.entry === undefined) throw new Error('build() first');
    const child = new Child(fork(this.entry, [JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }), config.name);
    this.children.push(child);
    await child.ready;
    return child;
  }

  /**
   * Closes every child still running, gracefully; rejects if one does not exit by itself after
   * closing its application (something it opened kept it alive) — it is killed then.
   */
  async stopAll(): Promise<void> {
    const outcomes = await Promise.allSettled(this.children.splice(0).map((child) => child.closeWithin(5_000)));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** Kills every child still running and removes the bundle. */
  async dispose(): Promise<void> {
    await Promise.all(this.children.splice(0).map((child) => child.kill('SIGKILL')));
    if (this.outDir) await rm(this.outDir, { recursive: true, force: true });
  }
}

/** One child process, with everything it reported. */
export class Child {
  readonly handled: HandledReport[] = [];
  readonly logs: string[] = [];
  readonly output: string[] = [];
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 0;

  constructor(
    private readonly process: ChildProcess,
    readonly name: string,
  ) {
    process.stdout?.on('data', (data: Buffer) => this.output.push(data.toString()));
    process.stderr?.on('data', (data: Buffer) => this.output.push(data.toString()));
    this.exited = new Promise((resolve) => process.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      process.on('message', (report: ChildReport) => {
        if (report.type === 'ready') resolve();
        else this.receive(report);
      });
      void this.exited.then(() => reject(new Error(`child ${name} exited before it was ready:\n${this.output.join('')}`)));
    });
  }

  /** Asks the child's bus to do something; resolves with its outcome. */
  call(op: 'send' | 'publish' | 'request' | 'execute', topic: string, payload: unknown): Promise<unknown> {
    return this.ask({ id: ++this.nextId, op, topic, payload });
  }

  /** Closes the child's application gracefully and waits for the process to end. */
  async close(): Promise<void> {
    await this.ask({ id: ++this.nextId, op: 'close' });
    await this.exited;
  }

  /** Closes gracefully, unless the process is gone already; kills it if it lingers past `timeoutMs`. */
  async closeWithin(timeoutMs: number): Promise<void> {
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    const lingered = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const closed = this.close().then(() => false);
    const stuck = await Promise.race([closed, lingered]);
    clearTimeout(timer);
    if (stuck) {
      await this.kill('SIGKILL');
      throw new Error(`child ${this.name} did not exit within ${timeoutMs} ms of closing:\n${this.output.join('')}`);
    }
  }

  private get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.running) this.process.kill(signal);
    await this.exited;
  }

  private ask(request: ChildRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.process.send(request);
    });
  }

  private receive(report: ChildReport): void {
    if (report.type === 'handled') this.handled.push(report);
    else if (report.type === 'log') this.logs.push(report.line);
    else if (report.type === 'reply') {
      const waiter = this.pending.get(report.id);
      this.pending.delete(report.id);
      if (report.ok) waiter?.resolve(report.value);
      else waiter?.reject(Object.assign(new Error((report.value as Error).message), { name: (report.value as Error).name }));
    }
  }
}
