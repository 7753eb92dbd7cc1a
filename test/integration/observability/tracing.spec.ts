import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusTracing } from '../../../lib/tracing/bus-tracing.js';
import { AppTracker } from '../../support/bus-app.js';
import { expectOneTrace, registerTracing, TracedChain } from './traced-chain.js';

describe('tracing', () => {
  it('does nothing without a registered tracer provider', async () => {
    expect(await BusTracing.create('memory')).toBeUndefined();
  });

  describe('with OpenTelemetry registered', () => {
    const apps = new AppTracker();
    let tracing: ReturnType<typeof registerTracing>;
    beforeAll(() => {
      tracing = registerTracing();
    });
    afterAll(async () => {
      await apps.closeAll();
      tracing.unregister();
    });

    it('shows one trace across command -> event -> query, with messaging attributes', async () => {
      const app = await apps.start({ transport: 'memory://', providers: [TracedChain] });
      await expectOneTrace(app.bus, app.get(TracedChain), tracing.exporter, 'memory');
    });
  });
});
