import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AMQP_URL } from '../../../support/brokers.js';

export type ChildRole = 'worker' | 'auditor' | 'hanging' | 'counter';

/** What a child tells its parent. */
export type ChildReport =
  | { type: 'ready'; pid: number }
  | { type: 'closed'; pid: number }
  | { type: 'handled'; topic: string; n: number; pid: number; attempt?: number }
  | { type: 'batch'; ns: number[]; pid: number };

const LAUNCHER = fileURLToPath(new URL('../fixtures/run-fixture.mjs', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/bus-child.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** A bus application running in a child process (fixtures/bus-child.ts). */
export class BusChild {
  readonly reports: ChildReport[] = [];
  readonly exited: Promise<number | null>;
  private output = '';
  private readonly listeners = new Set<() => void>();

  private constructor(readonly process: ChildProcess) {
    process.on('message', (report: ChildReport) => {
      this.reports.push(report);
      for (const listener of this.listeners) listener();
    });
    process.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    process.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  /** Starts a child and waits until its application is bootstrapped and consuming. */
  static async start(role: ChildRole, exchange: string, service: string, env: Record<string, string> = {}): Promise<BusChild> {
    const child = new BusChild(
      fork(LAUNCHER, [FIXTURE], {
        env: { ...process.env, AMQP_URL, BUS_ROLE: role, BUS_EXCHANGE: exchange, BUS_SERVICE: service, ...env },
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      }),
    );
    try {
      await child.waitFor((report) => report.type === 'ready', START_TIMEOUT_MS, `child ${role} to start`);
    } catch (error) {
      await child.kill();
      throw error;
    }
    return child;
  }

  get pid(): number {
    return this.process.pid as number;
  }

  /** The numbers this child reported handling on `topic`. */
  handled(topic: string): number[] {
    return this.reports.flatMap((report) => (report.type === 'handled' && report.topic === topic ? [report.n] : []));
  }

  /** Resolves with the first report (past or future) matching `predicate`. */
  waitFor(predicate: (report: ChildReport) => boolean, timeoutMs = 10_000, what = 'a report'): Promise<ChildReport> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.reports.find(predicate);
        if (found === undefined) return false;
        this.listeners.delete(listener);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const listener = () => void check();
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; child output:\n${this.output}`));
      }, timeoutMs);
      this.listeners.add(listener);
      void this.exited.then((code) => {
        if (!this.listeners.has(listener)) return;
        this.listeners.delete(listener);
        clearTimeout(timer);
        reject(new Error(`Child exited (code ${code}) while waiting for ${what}; output:\n${this.output}`));
      });
      check();
    });
  }

  /** Closes the child's application gracefully and waits for the process to end (killing it if it hangs). */
  async close(timeoutMs = 15_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.send({ type: 'close' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** `kill -9`: no shutdown hook runs, the broker sees the connection drop. */
  async kill(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGKILL');
    await this.exited;
  }
}
