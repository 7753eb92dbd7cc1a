import { openSync, writeSync } from 'node:fs';
import { Injectable, type Type } from '@nestjs/common';
import { CommandHandler, EventHandler, QueryHandler, UnrecoverableError, type MessageContext } from 'nestjs-message-bus';
import type { FaultChildConfig, FaultWork, HandledLine } from './fault-protocol.js';

/**
 * The handlers of a fault-suite application, in a child process (fault-child.ts) or in the test
 * process: each message is appended to the JSONL log with a write(2) when its handler starts and
 * again before it returns, so each line reaches the kernel and survives a kill -9. `isFixed` tells
 * when the bug was fixed in place: `failAttempts` is ignored from then on, as on the fixed release
 * a dead-letter replay runs on.
 */
export function faultHandlers(
  config: Pick<FaultChildConfig, 'log' | 'serviceName' | 'listenOnly'> & { instance?: string; isFixed?: () => boolean },
): Type[] {
  const logFile = openSync(config.log, 'a');
  const log = (payload: FaultWork, context: MessageContext, done: boolean): void => {
    const line: HandledLine = { id: payload.id, pid: process.pid, attempt: context.attempt, done, at: Date.now(), service: config.serviceName, instance: config.instance };
    writeSync(logFile, `${JSON.stringify(line)}\n`);
  };
  const pause = (payload: FaultWork) => (payload.sleepMs ? new Promise((resolve) => setTimeout(resolve, payload.sleepMs)) : undefined);

  @Injectable()
  class FaultWorker {
    @CommandHandler('fault.work')
    async work(payload: FaultWork, context: MessageContext) {
      log(payload, context, false);
      // A poison message: the process dies mid-handler, every time it gets it.
      if (payload.poison) process.exit(1);
      if (payload.busyMs && context.attempt === 1) busyLoop(payload.busyMs);
      await pause(payload);
      if (!config.isFixed?.() && context.attempt <= (payload.failAttempts ?? 0)) {
        const message = `fault.work ${payload.id} failed at attempt ${context.attempt}`;
        throw payload.unrecoverable ? new UnrecoverableError(message) : new Error(message);
      }
      log(payload, context, true);
    }

    @QueryHandler('fault.echo')
    async echo(payload: FaultWork, context: MessageContext) {
      log(payload, context, false);
      await pause(payload);
      log(payload, context, true);
      return { id: payload.id, pid: process.pid };
    }
  }

  // Every group of a fan-out test subscribes, each group's share counted by `service`.
  @Injectable()
  class FaultListener {
    @EventHandler('fault.event')
    async event(payload: FaultWork, context: MessageContext) {
      log(payload, context, false);
      if (payload.failFirstIn === config.serviceName && context.attempt === 1) throw new Error(`${payload.id} fails its first attempt in ${config.serviceName}`);
      await pause(payload);
      log(payload, context, true);
    }
  }

  // A command has one owner group: the other groups of a fan-out test only listen.
  return config.listenOnly ? [FaultListener] : [FaultWorker, FaultListener];
}

// A handler that hogs the event loop: no timer (hold renewal, heartbeat) runs meanwhile.
function busyLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}
