import type { CircuitState } from './circuit-breaker.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { RetryPolicy } from './retry-policy.js';
import type { MessageKind } from '../messages/envelope.js';

/**
 * One handler registered on this instance, as `bus.handlers()` and the admin console list it.
 * @publicApi
 */
export interface HandlerInfo {
  /** `Class.method` (with `#2`... when one class is provided twice); `session:<id>:<n>` for session handlers. */
  id: string;
  kind: MessageKind;
  patterns: readonly string[];
  /** Consumer group: the service's, the handler's `group`, or this instance's own for broadcast handlers. */
  group: string;
  /** 0..99, lower runs first. */
  priority: number;
  broadcast: boolean;
  /** The retry policy in force (a message's `maxAttempts` applies unless the handler declares its own). */
  retry: Readonly<Required<RetryPolicy>>;
  timeoutMs: number | null;
  /** Circuit breaker state, `null` for a handler without a breaker. */
  circuit: CircuitState | null;
  /** The session whose `on()` registered it; absent for declared handlers. */
  sessionId?: string;
}

/** The registry's handlers in registration order, as plain data. */
export function describeHandlers(registry: HandlerRegistry): HandlerInfo[] {
  return registry.list().map((handler) => ({
    id: handler.id,
    kind: handler.kind,
    patterns: handler.patterns,
    group: handler.group,
    priority: handler.priority,
    broadcast: handler.group === registry.instanceGroup,
    retry: handler.retry,
    timeoutMs: handler.timeoutMs ?? null,
    circuit: handler.breaker?.state ?? null,
    ...(handler.sessionId === undefined ? {} : { sessionId: handler.sessionId }),
  }));
}
