import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { libAliases } from './tools/lib-aliases.mjs';

const rabbitmqSpecs = ['test/integration/amqp/**/*.spec.ts'];

export default defineConfig({
  // Nest's DI reads constructor types from decorator metadata, which the default transform drops.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: { alias: libAliases(fileURLToPath(new URL('.', import.meta.url))) },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // test/faults/ brings a project of its own.
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
    ],
  },
});
