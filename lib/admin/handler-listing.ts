import type { CircuitState } from '../dispatch/circuit-breaker.js';
import type { RetryPolicy } from '../dispatch/retry-policy.js';
import type { MessageKind } from '../messages/envelope.js';
import { engineOf, type MessageBus } from '../message-bus.js';

/**
 * One handler of this instance, as `GET <path>/handlers` lists it.
 * @publicApi
 */
export interface AdminHandlerInfo {
  /** `Class.method` (with `#2`... when one class is provided twice). */
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
}

/** The handlers declared in the application (and the WebSocket bridge's), in registration order; session handlers are left out. */
export function listHandlers(bus: MessageBus): AdminHandlerInfo[] {
  const { registry } = engineOf(bus);
  const { circuits } = bus.getStats();
  return registry
    .list()
    .filter((handler) => handler.sessionId === undefined)
    .map((handler) => ({
      id: handler.id,
      kind: handler.kind,
      patterns: handler.patterns,
      group: handler.group,
      priority: handler.priority,
      broadcast: handler.group === registry.instanceGroup,
      retry: handler.retry,
      timeoutMs: handler.timeoutMs ?? null,
      circuit: circuits[handler.id] ?? null,
    }));
}
