import { Injectable } from '@nestjs/common';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler, EventHandler, MessageBus, QueryHandler, type MessageContext } from 'nestjs-message-bus';
import { BusTracing } from '../../../lib/tracing/bus-tracing.js';
import { AppTracker, until } from '../../support/bus-app.js';

@Injectable()
class Chain {
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

describe('tracing', () => {
  it('does nothing without a registered tracer provider', async () => {
    expect(await BusTracing.create('memory')).toBeUndefined();
  });

  describe('with OpenTelemetry registered', () => {
    const exporter = new InMemorySpanExporter();
    const apps = new AppTracker();
    beforeAll(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    });
    afterAll(async () => {
      await apps.closeAll();
      trace.disable();
      propagation.disable();
      context.disable();
    });

    it('shows one trace across command -> event -> query, with messaging attributes', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [Chain] });
      const result = await app.get(MessageBus).execute('trace.start', {});
      await until(() => app.get(Chain).answered);
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
      expect(processCommand?.attributes).toMatchObject({
        'messaging.system': 'memory',
        'messaging.destination.name': 'trace.start',
        'messaging.operation.type': 'process',
        'messaging.message.id': result.commandId,
        'messaging.message.conversation_id': result.commandId,
      });
    });
  });
});
