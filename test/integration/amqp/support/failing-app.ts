import { Test } from '@nestjs/testing';
import { MessageBusModule } from 'nestjs-message-bus';
import { CollectingLogger, type BusAppSetup } from '../../../support/bus-app.js';

/**
 * Boots an application that is expected to fail at bootstrap; closes it (and so its broker
 * connection) and resolves the error and what it logged.
 */
export async function bootstrapFailure(setup: BusAppSetup): Promise<{ error: Error; logger: CollectingLogger }> {
  const logger = new CollectingLogger();
  const module = await Test.createTestingModule({
    imports: [MessageBusModule.forRoot(setup.transport, setup.options)],
    providers: setup.providers ?? [],
  })
    .setLogger(logger)
    .compile();
  try {
    await module.init();
  } catch (error) {
    await module.close();
    return { error: error as Error, logger };
  }
  await module.close();
  throw new Error('Expected the application to fail at bootstrap, but it started');
}
