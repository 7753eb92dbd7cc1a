import { fileURLToPath } from 'node:url';
import { FixtureChild } from '../../support/fixture-child.js';
import type { FaultChildConfig } from './fault-protocol.js';

const FIXTURE = fileURLToPath(new URL('./fault-child.ts', import.meta.url));

/** A fault-suite bus application in a child process; `kill()` is a kill -9 unless told otherwise. */
export type FaultChild = FixtureChild;
export const FaultChild = {
  start: (config: FaultChildConfig): Promise<FaultChild> => FixtureChild.start(FIXTURE, { FAULT_CHILD: JSON.stringify(config) }),
};

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
