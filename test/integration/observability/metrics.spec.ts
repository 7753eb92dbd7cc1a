import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { BusMetrics, CommandHandler, EventHandler, UnrecoverableError } from 'nestjs-message-bus';
import { AppTracker, until } from '../../support/bus-app.js';
import { specTransports } from '../../support/spec-transports.js';

@Injectable()
class Work {
  @EventHandler('orders.*', { circuitBreaker: { failureThreshold: 5, resetTimeoutMs: 1000 } })
  onOrder() {}
  @CommandHandler('orders.fail')
  fail() {
    throw new UnrecoverableError('nope');
  }
  @EventHandler('chat.*')
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value of one series of the Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(await specTransports())('metrics on $name', (transport) => {
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());

  it('counts, times and gauges messages in Prometheus format, labels bounded to patterns and handlers', async () => {
    const app = await apps.start({ transport: transport.make(), providers: [Work] });
    for (let i = 0; i < 3; i++) await app.bus.publish(`orders.created`, { i });
    await app.bus.publish('chat.line', {});
    await app.bus.publish('nobody.listens', {});
    await app.bus.send('orders.fail', {});
    await until(() => app.bus.getStats().delivered === 4 && app.bus.getStats().deadLettered === 1);
    const text = await app.get(BusMetrics).metrics();
    expect(sample(text, 'bus_messages_published_total{kind="event",topic="orders.created"}')).toBe(3);
    expect(sample(text, 'bus_messages_unrouted_total{kind="event",topic="nobody.listens"}')).toBe(1);
    expect(sample(text, 'bus_messages_handled_total{kind="event",pattern="orders.*",handler="Work.onOrder"}')).toBe(3);
    expect(sample(text, 'bus_messages_failed_total{kind="command",pattern="orders.fail",handler="Work.fail"}')).toBe(1);
    expect(sample(text, 'bus_messages_dead_lettered_total{kind="command",handler="Work.fail",reason="UNRECOVERABLE"}')).toBe(1);
    expect(sample(text, 'bus_handler_duration_seconds_count{kind="event",handler="Work.slow"}')).toBe(1);
    expect(sample(text, 'bus_handler_duration_seconds_bucket{kind="event",handler="Work.slow",le="0.01"}')).toBe(0);
    // A 20 ms handler, with room for a busy machine.
    expect(sample(text, 'bus_handler_duration_seconds_bucket{kind="event",handler="Work.slow",le="0.5"}')).toBe(1);
    expect(sample(text, 'bus_end_to_end_latency_seconds_count{kind="event",handler="Work.onOrder"}')).toBe(3);
    expect(sample(text, 'bus_dead_letters')).toBe(1);
    expect(sample(text, 'bus_registered_handlers')).toBe(3);
    expect(sample(text, 'bus_queued')).toBe(0);
    expect(sample(text, 'bus_circuit_breaker_state{handler="Work.onOrder"}')).toBe(0);
    expect(text).not.toMatch(/id="|correlation/);
  });
});

describe('metrics', () => {
  const apps = new AppTracker();
  afterEach(() => apps.closeAll());

  it('goes to a registry and prefix of the application, or nowhere with metrics: false', async () => {
    const registry = new Registry();
    const app = await apps.start({ transport: 'memory://', providers: [Work], options: { metrics: { registry, prefix: 'shop_' } } });
    await app.bus.publish('orders.created', {});
    await until(() => app.bus.getStats().delivered === 1);
    expect(sample(await registry.metrics(), 'shop_messages_published_total{kind="event",topic="orders.created"}')).toBe(1);
    const off = await apps.start({ transport: 'memory://', providers: [Work], options: { metrics: false } });
    expect(off.module.get(BusMetrics)).toBeNull();
  });

  it('folds topics past its label limit into one series', async () => {
    const app = await apps.start({ transport: 'memory://', providers: [Work] });
    for (let i = 0; i < 600; i++) await app.bus.publish(`user.${i}.updated`, {});
    const text = await app.get(BusMetrics).metrics();
    const series = text.split('\n').filter((line) => line.startsWith('bus_messages_published_total{'));
    expect(series).toHaveLength(501);
    expect(sample(text, 'bus_messages_published_total{kind="event",topic="other"}')).toBe(100);
  });
});
