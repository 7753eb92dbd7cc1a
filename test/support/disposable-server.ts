import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';

/**
 * A broker process owned by one test (its own port and data directory), started again on the
 * same ones after a stop: what a restart, clean or a crash, does to the bus.
 */
export abstract class DisposableServer {
  private process?: ChildProcess;

  protected constructor(
    readonly port: number,
    protected readonly dir: string,
  ) {}

  /** Starts `command` unless it runs; resolves once `answers()` says it is up. */
  protected async launch(command: string, args: string[]): Promise<void> {
    if (this.process !== undefined && this.process.exitCode === null) return;
    this.process = spawn(command, args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await this.answers())) {
      if (Date.now() > deadline) throw new Error(`${command} on port ${this.port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  protected abstract answers(): Promise<boolean>;

  /** Stops the server (SIGTERM: a clean shutdown; SIGKILL: a crash); resolves once the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const process = this.process;
    this.process = undefined;
    if (!process || process.exitCode !== null) return;
    const exited = new Promise((resolve) => process.once('exit', resolve));
    process.kill(signal);
    await exited;
  }

  /** Stops the server for good and removes its data. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
