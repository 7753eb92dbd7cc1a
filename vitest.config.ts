import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { libAliases } from './tools/lib-aliases.mjs';

const rabbitmqSpecs = ['test/integration/amqp/**/*.spec.ts'];

// The fault project joins only when asked for (`npm run test:faults`), so `vitest run` leaves it out.
const faults = process.env.BUS_FAULTS === '1';
// The soak (`npm run soak`, about 25 minutes) runs only when asked for, never in CI.
const soak = process.env.BUS_SOAK === '1';

export default defineConfig({
  // Nest's DI reads constructor types from decorator metadata, which the default transform drops.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: { alias: libAliases(fileURLToPath(new URL('.', import.meta.url))) },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // test/faults/ is a project of its own, run by `npm run test:faults` only (see .ci/run).
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.spec.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.spec.ts'],
          exclude: [...rabbitmqSpecs, 'test/faults/**', '**/node_modules/**'],
        },
      },
      // One RabbitMQ spec file at a time: one restarts the broker, others measure timings.
      { extends: true, test: { name: 'rabbitmq', include: rabbitmqSpecs, fileParallelism: false } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.e2e-spec.ts'] } },
      // README.md's ts blocks under the Nest CLI template's compiler options (one tsc run).
      { extends: true, test: { name: 'readme', include: ['test/readme/**/*.spec.ts'] } },
      // One fault at a time: they kill processes and brokers and count every message.
      ...(faults ? [{ extends: true as const, test: { name: 'faults', include: ['test/faults/**/*.spec.ts'], fileParallelism: false, testTimeout: 120_000, hookTimeout: 60_000 } }] : []),
      ...(soak ? [{ extends: true as const, test: { name: 'soak', include: ['test/soak/**/*.soak.spec.ts'], fileParallelism: false } }] : []),
    ],
  },
});
