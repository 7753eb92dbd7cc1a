import { Controller, Get, type INestApplication, type Provider } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { MessageBusModule, type BusOptions, type Transport } from 'nestjs-message-bus';
import { MessageBusHealthIndicator, MessageBusHealthModule, type BusHealthOptions } from 'nestjs-message-bus/health';
import { CollectingLogger } from '../../support/bus-app.js';

/** The thresholds the next GET /health uses. */
export const healthOptions: { current: BusHealthOptions } = { current: {} };

@Controller()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly bus: MessageBusHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.bus.isHealthy('bus', healthOptions.current)]);
  }
}

/** An HTTP app with the bus, Terminus and a GET /health of the bus indicator. */
export async function startHealthApp(transport: Transport | string, providers: Provider[] = [], options: BusOptions = {}): Promise<INestApplication> {
  const module = await Test.createTestingModule({
    imports: [MessageBusModule.forRoot(transport, options), TerminusModule, MessageBusHealthModule],
    controllers: [HealthController],
    providers,
  })
    .setLogger(new CollectingLogger())
    .compile();
  const app = module.createNestApplication();
  await app.init();
  return app;
}
