import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { RegisteredHandler } from '../dispatch/handler.js';
import type { MessageTracer } from '../dispatch/instrumentation.js';
import type { Envelope } from '../messages/envelope.js';

type OpenTelemetry = typeof import('@opentelemetry/api');

const TRACER_NAME = 'nestjs-message-bus';
// `messaging.system` values of the semantic conventions, by transport name.
const SYSTEMS: Record<string, string> = { amqp: 'rabbitmq' };

/**
 * W3C trace context across the bus: publishing opens a producer span and writes `traceparent`
 * (and `tracestate`) into the envelope headers; each handler runs in a consumer span whose parent
 * is that context, with the messaging semantic-convention attributes.
 */
export class BusTracing implements MessageTracer {
  private constructor(
    private readonly api: OpenTelemetry,
    private readonly tracer: Tracer,
    private readonly system: string,
  ) {}

  /**
   * Tracing for a transport, or `undefined` when `@opentelemetry/api` is not installed or no
   * tracer provider is registered — then the bus does no tracing work at all.
   */
  static async create(transport: string): Promise<BusTracing | undefined> {
    const api = await import('@opentelemetry/api').catch(() => undefined);
    if (api === undefined) return undefined;
    // An unconfigured API delegates to its no-op provider; a fresh proxy shows which one that is.
    const provider = api.trace.getTracerProvider();
    const delegate = provider instanceof api.ProxyTracerProvider ? provider.getDelegate() : provider;
    if (delegate === new api.ProxyTracerProvider().getDelegate()) return undefined;
    return new BusTracing(api, api.trace.getTracer(TRACER_NAME), SYSTEMS[transport] ?? transport);
  }

  publishing(envelope: Envelope): void {
    const { api } = this;
    const operation = envelope.kind === 'event' ? 'publish' : 'send';
    // The active span is the parent; without one, a `traceparent` the publisher passed in the headers (an HTTP caller's).
    const active = api.context.active();
    const parent = api.trace.getSpan(active) === undefined ? api.propagation.extract(active, envelope.headers) : active;
    const span = this.tracer.startSpan(
      `${operation} ${envelope.topic}`,
      { kind: api.SpanKind.PRODUCER, attributes: this.attributes(envelope, operation) },
      parent,
    );
    api.propagation.inject(api.trace.setSpan(parent, span), envelope.headers);
    span.end();
  }

  around(handler: RegisteredHandler, envelope: Envelope, run: () => unknown): unknown {
    const { api } = this;
    const parent: Context = api.propagation.extract(api.ROOT_CONTEXT, envelope.headers);
    const span = this.tracer.startSpan(
      `process ${envelope.topic}`,
      { kind: api.SpanKind.CONSUMER, attributes: { ...this.attributes(envelope, 'process'), 'messaging.consumer.handler': handler.id } },
      parent,
    );
    let result: unknown;
    try {
      result = api.context.with(api.trace.setSpan(parent, span), run);
    } catch (error) {
      this.end(span, error);
      throw error;
    }
    if (result instanceof Promise) result.then(() => this.end(span), (error: unknown) => this.end(span, error));
    else this.end(span);
    return result;
  }

  private attributes(envelope: Envelope, operation: string): Record<string, string | number> {
    return {
      'messaging.system': this.system,
      'messaging.destination.name': envelope.topic,
      'messaging.operation.type': operation,
      'messaging.operation.name': operation,
      'messaging.message.id': envelope.id,
      'messaging.message.conversation_id': envelope.correlationId,
      'messaging.bus.kind': envelope.kind,
      'messaging.bus.attempt': envelope.attempt,
    };
  }

  private end(span: Span, error?: unknown): void {
    if (error !== undefined) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    span.end();
  }
}
