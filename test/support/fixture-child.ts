import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LAUNCHER = fileURLToPath(new URL('../integration/amqp/fixtures/run-fixture.mjs', import.meta.url));
// Booting a child (its TypeScript transformed on the fly) takes over 30 s on the loaded 2-core machine.
const START_TIMEOUT_MS = 60_000;

/**
 * A TypeScript fixture running in a child process (through run-fixture.mjs), ready once it sent
 * its first IPC message; `kill()` is a kill -9 unless told otherwise.
 */
export class FixtureChild {
  readonly exited: Promise<number | null>;
  private output = '';

  private constructor(private readonly process: ChildProcess) {
    process.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    process.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  /** Starts `fixture` with `env` added to this process's, and resolves once it is ready. */
  static async start(fixture: string, env: Record<string, string>): Promise<FixtureChild> {
    const child = new FixtureChild(
      fork(LAUNCHER, [fixture], { env: { ...process.env, ...env }, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }),
    );
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve) => child.process.once('message', () => resolve()));
    const failed = Promise.race([
      child.exited.then(() => `exited before it was ready`),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`not ready after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS))),
    ]).then((why) => {
      throw new Error(`child ${fixture} ${why}:\n${child.output}`);
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

  /** Sends `message` over IPC; resolves the child's next message (its answer). */
  ask<T>(message: object): Promise<T> {
    return new Promise((resolve) => {
      this.process.once('message', (answer: T) => resolve(answer));
      this.process.send(message);
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.process.kill(signal);
    await this.exited;
  }
}
