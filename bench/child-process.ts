import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isJobOutcome, type Job, type JobOutcome } from './protocol.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const JOB_TIMEOUT_MS = 60_000;
// After sending its result, a child must exit on its own once its application is closed.
const EXIT_GRACE_MS = 5_000;

export interface ChildReport {
  outcome: JobOutcome;
  /** Wall time of the child, boot to exit. */
  wallMs: number;
  /** The child sent its result but had to be killed: something kept its event loop alive. */
  lingered: boolean;
}

/** Runs `job` in a fresh node process (with --expose-gc) and waits for it to exit. */
export function runInChild(job: Job): Promise<ChildReport> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = fork(CHILD, [JSON.stringify(job)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let outcome: JobOutcome | undefined;
    let lingered = false;
    let timer = setTimeout(() => child.kill('SIGKILL'), JOB_TIMEOUT_MS);
    child.on('message', (message: unknown) => {
      outcome = isJobOutcome(message) ? message : { ok: false, error: `unexpected message ${JSON.stringify(message)}` };
      clearTimeout(timer);
      timer = setTimeout(() => {
        lingered = true;
        child.kill('SIGKILL');
      }, EXIT_GRACE_MS);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ outcome: { ok: false, error: `could not run the child: ${error.message}` }, wallMs: Date.now() - started, lingered });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const failed: JobOutcome = { ok: false, error: `child exited (${signal ?? `code ${code}`}) without a result` };
      resolve({ outcome: outcome ?? failed, wallMs: Date.now() - started, lingered });
    });
  });
}
