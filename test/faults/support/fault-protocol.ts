import type { BusOptions } from 'nestjs-message-bus';

/** How the parent sets up a fault child (passed as JSON in FAULT_CHILD). */
export interface FaultChildConfig {
  url: string;
  /** Redis key prefix or AMQP exchange (and queue prefix) of the test. */
  namespace: string;
  serviceName: string;
  /** The JSONL file the child appends each handled message to. */
  log: string;
  concurrency?: number;
  prefetch?: number;
  visibilityTimeoutMs?: number;
  maxAttempts?: number;
  /** Only the `fault.event` handler (a second group of a fan-out test, which may not own `fault.work`). */
  listenOnly?: boolean;
  /** The module's retry policy, over the suite's default (`maxAttempts`, 100 ms, factor 1). */
  retry?: BusOptions['retry'];
  /** The module's `drainTimeoutMs` (default 10 s). */
  drainTimeoutMs?: number;
}

/** The payload of `fault.work` and `fault.echo`. */
export interface FaultWork {
  id: string;
  sleepMs?: number;
  /** The child exits mid-handler. */
  poison?: boolean;
  /** The group (service name) whose `fault.event` handler throws on the first attempt. */
  failFirstIn?: string;
  /** The handler throws while `attempt` ≤ this (a retryable failure). */
  failAttempts?: number;
  /** The failure is an `UnrecoverableError`: dead-lettered at once. */
  unrecoverable?: boolean;
  /** On its first attempt, the handler blocks the event loop this long (a busy loop), before any sleep. */
  busyMs?: number;
}

/** One line of a child's log: one when a handler starts (`done` false), one when it returned. */
export interface HandledLine {
  id: string;
  pid: number;
  attempt: number;
  done: boolean;
  /** Epoch ms of the line. */
  at: number;
  /** The service name (group) of the child that wrote it. */
  service?: string;
  /** The app that wrote it, when several run in one process. */
  instance?: string;
}
