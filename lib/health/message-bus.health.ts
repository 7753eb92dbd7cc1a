import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { MessageBus } from '../message-bus.js';

/** Limits of `MessageBusHealthIndicator.isHealthy`. @publicApi */
export interface BusHealthOptions {
  /** The whole check answers within this; default 1000 ms. */
  timeoutMs?: number;
  /** Down when the store holds more dead letters than this. */
  maxDeadLetters?: number;
  /** Down when more messages than this wait in this instance. */
  maxQueued?: number;
}

/** What the indicator reports under its key. @publicApi */
export type BusHealthDetails = {
  transport: string;
  connected: boolean;
  latencyMs?: number;
  deadLetters?: number;
  queued: number;
  inFlight: number;
  reason?: string;
};

/**
 * A Terminus indicator for the bus: up when the transport answers a ping within the timeout
 * (Redis PING, an AMQP round trip, at once in memory) and the thresholds hold.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.bus.isHealthy('bus', { maxDeadLetters: 100 })]); }
 * ```
 * @publicApi
 */
@Injectable()
export class MessageBusHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly bus: MessageBus,
  ) {}

  async isHealthy<const Key extends string>(key: Key, options: BusHealthOptions = {}): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    const { queued, inFlight } = this.bus.getStats();
    const details: BusHealthDetails = { transport: this.bus.transportName, connected: false, queued, inFlight };
    try {
      const probe = await this.bus.probe(options.timeoutMs ?? 1000);
      if (!probe.running) return indicator.down({ ...details, reason: 'the bus is not running (starting or shutting down)' });
      Object.assign(details, { connected: true, latencyMs: probe.latencyMs, deadLetters: probe.deadLetters });
    } catch (error) {
      return indicator.down({ ...details, reason: error instanceof Error ? error.message : String(error) });
    }
    const over = exceeded(details, options);
    return over === undefined ? indicator.up(details) : indicator.down({ ...details, reason: over });
  }
}

function exceeded(details: BusHealthDetails, options: BusHealthOptions): string | undefined {
  if (options.maxDeadLetters !== undefined && (details.deadLetters ?? 0) > options.maxDeadLetters) {
    return `${details.deadLetters} dead letters exceed ${options.maxDeadLetters}`;
  }
  if (options.maxQueued !== undefined && details.queued > options.maxQueued) {
    return `${details.queued} queued messages exceed ${options.maxQueued}`;
  }
  return undefined;
}
