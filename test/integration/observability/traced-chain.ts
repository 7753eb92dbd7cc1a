import { Injectable } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { expect } from 'vitest';
import { CommandHandler, EventHandler, QueryHandler, type MessageBus, type MessageContext } from 'nestjs-message-bus';
import { until } from '../../support/bus-app.js';

/** command -> event -> query: the chain whose spans must form one trace. */
@Injectable()
export class TracedChain {
  answered = false;
  @CommandHandler('trace.start')
  async start(_: unknown, ctx: MessageContext) {
    await ctx.bus.publish('trace.happened', {});
    return 'started';
  }
  @EventHandler('trace.happened')
  async happened(_: unknown, ctx: MessageContext) {
    const answer = await ctx.bus.request('trace.lookup', {});
    this.answered = answer.ok;
  }
  @QueryHandler('trace.lookup')
  lookup() {
    return 42;
  }
}

/** Registers OpenTelemetry for this test file (context manager, W3C propagator, a recording provider). */
export function registerTracing(): { exporter: InMemorySpanExporter; unregister(): void } {
  const exporter = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  return {
    exporter,
    unregister() {
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** Runs the chain and checks its spans: one trace, parent links, messaging attributes. */
export async function expectOneTrace(bus: MessageBus, chain: TracedChain, exporter: InMemorySpanExporter, system: string): Promise<void> {
  exporter.reset();
  const result = await bus.execute('trace.start', {});
  await until(() => chain.answered);
  await until(() => exporter.getFinishedSpans().filter((span) => span.name.startsWith('process')).length === 3);
  const spans = exporter.getFinishedSpans();
  expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
  const byName = (name: string) => spans.find((span) => span.name === name);
  const processCommand = byName('process trace.start');
  const publishEvent = byName('publish trace.happened');
  const processEvent = byName('process trace.happened');
  const sendQuery = byName('send trace.lookup');
  const processQuery = byName('process trace.lookup');
  expect([processCommand, publishEvent, processEvent, sendQuery, processQuery].every(Boolean)).toBe(true);
  expect(publishEvent?.parentSpanContext?.spanId).toBe(processCommand?.spanContext().spanId);
  expect(processEvent?.parentSpanContext?.spanId).toBe(publishEvent?.spanContext().spanId);
  expect(sendQuery?.parentSpanContext?.spanId).toBe(processEvent?.spanContext().spanId);
  expect(processQuery?.parentSpanContext?.spanId).toBe(sendQuery?.spanContext().spanId);
  expect(processCommand?.attributes).toMatchObject({
    'messaging.system': system,
    'messaging.destination.name': 'trace.start',
    'messaging.operation.type': 'process',
    'messaging.message.id': result.commandId,
    'messaging.message.conversation_id': result.commandId,
  });
}
