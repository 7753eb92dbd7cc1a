import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { AppTracker } from '../../support/bus-app.js';
import type { Type } from '@nestjs/common';
import { FaultChildren } from './fault-children.js';
import { faultHandlers } from './fault-handlers.js';
import type { FaultChildConfig } from './fault-protocol.js';
import { Ledger } from './ledger.js';

export interface FaultRun {
  ledger: Ledger;
  children: FaultChildren;
  apps: AppTracker;
  /** The config of a child writing its handled lines into the ledger's directory. */
  child(name: string, config: Omit<FaultChildConfig, 'log'>): FaultChildConfig;
  /** The handlers of an app in this process of `serviceName`, logging into the ledger's directory as `name`. */
  handlers(name: string, serviceName: string, listenOnly?: boolean): Type[];
}

/**
 * One fault test's harness: a ledger over a fresh log directory, the children and apps it
 * starts, all killed, closed and removed after the test (also when it failed).
 */
export function useFaultRun(fault: string, transport: string): () => FaultRun {
  let current: FaultRun | undefined;
  afterEach(async () => {
    const run = current;
    current = undefined;
    if (!run) return;
    await run.children.killAll();
    await run.apps.closeAll();
    rmSync(run.ledger.logDir, { recursive: true, force: true });
  });
  return () => {
    const logDir = mkdtempSync(join(tmpdir(), `bus-fault-${fault}-`));
    current = {
      ledger: new Ledger(logDir, fault, transport),
      children: new FaultChildren(),
      apps: new AppTracker(),
      child: (name, config) => ({ ...config, log: join(logDir, `${name}.jsonl`) }),
      handlers: (name, serviceName, listenOnly) => faultHandlers({ log: join(logDir, `${name}.jsonl`), serviceName, listenOnly, instance: name }),
    };
    return current;
  };
}
