import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const SERVICES = ['event-generator', 'automatic-generator', 'event-consumer', 'event-viewer'];

// Tests import the schema package from source, so they never run against a stale build.
const alias = {
  '@eventstreamapp/event-schema': fileURLToPath(new URL('./packages/event-schema/src/index.ts', import.meta.url)),
};

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default', './tests/support/summary-reporter.ts'],
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            ...SERVICES.map((s) => `${s}/src/**/*.test.ts`),
            'scripts/**/*.test.ts',
            'tests/static/**/*.test.ts',
          ],
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: [...SERVICES.map((s) => `${s}/test/**/*.test.ts`), 'tests/**/*.test.ts'],
          exclude: ['tests/static/**'],
          globalSetup: ['./tests/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores run one broker, one Redis and the services under test: files in parallel
          // would measure contention, not behaviour.
          fileParallelism: false,
        },
      },
    ],
  },
});
