import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FaultChildConfig } from './fault-protocol.js';

const LAUNCHER = fileURLToPath(new URL('../../integration/amqp/fixtures/run-fixture.mjs', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fault-child.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** A fault-suite bus application in a child process; `kill()` is a kill -9 unless told otherwise. */
export class FaultChild {
  readonly exited: Promise<number | null>;
  private output = '';

  private constructor(private readonly process: ChildProcess) {
    process.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    process.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  static async start(config: FaultChildConfig): Promise<FaultChild> {
    const child = new FaultChild(
      fork(LAUNCHER, [FIXTURE], {
        env: { ...process.env, FAULT_CHILD: JSON.stringify(config) },
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve) => child.process.once('message', () => resolve()));
    const failed = Promise.race([
      child.exited.then(() => `exited before it was ready`),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`not ready after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS))),
    ]).then((why) => {
      throw new Error(`fault child ${why}:\n${child.output}`);
    });
    try {
      await Promise.race([ready, failed]);
    } catch (error) {
      await child.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return child;
  }

  get pid(): number {
    return this.process.pid as number;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  get logs(): string {
    return this.output;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.process.kill(signal);
    await this.exited;
  }
}

/** Every child a test started, killed after it. */
export class FaultChildren {
  private readonly children: FaultChild[] = [];

  async start(config: FaultChildConfig): Promise<FaultChild> {
    const child = await FaultChild.start(config);
    this.children.push(child);
    return child;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.children.splice(0).map((child) => child.kill()));
  }
}
