import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { BusMetrics } from 'nestjs-message-bus';
import { MessageBusHealthIndicator } from 'nestjs-message-bus/health';

/** What an orchestrator and Prometheus scrape: GET /health and GET /metrics. */
@Controller()
export class OperationsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly bus: MessageBusHealthIndicator,
    private readonly metrics: BusMetrics,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.bus.isHealthy('bus', { timeoutMs: 500, maxDeadLetters: 100, maxQueued: 5000 })]);
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.metrics();
  }
}
