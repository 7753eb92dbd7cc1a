// Runs one job in this (fresh) process and sends the outcome to the parent over IPC.
import 'reflect-metadata';
import { isPeerId, PEERS } from './peers/peers.js';
import type { Job, JobOutcome } from './protocol.js';
import { scenarioById } from './registry.js';

function parseJob(argument: string | undefined): Job {
  const job: unknown = JSON.parse(argument ?? 'null');
  if (typeof job !== 'object' || job === null || !('scenario' in job) || !('peer' in job) || !('budget' in job) || !('namespace' in job)) {
    throw new Error(`bad job argument: ${argument}`);
  }
  if (!isPeerId(job.peer)) throw new Error(`unknown peer ${String(job.peer)}`);
  return job as Job;
}

async function runJob(): Promise<JobOutcome> {
  try {
    const job = parseJob(process.argv[2]);
    const scenario = scenarioById(job.scenario);
    const peer = await PEERS[job.peer].load({ namespace: job.namespace });
    return { ok: true, metrics: await scenario.run(peer, job.budget) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

const outcome = await runJob();
if (!outcome.ok) process.exitCode = 1;
// Nothing else is closed or killed: a child that does not exit now has leaked a handle, which
// the parent reports. Started by hand (no IPC channel), it prints the outcome instead.
if (process.send) process.send(outcome, undefined, undefined, () => process.disconnect());
else console.log(JSON.stringify(outcome));
