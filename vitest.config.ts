// Two projects: fast unit tests with fakes, and integration tests against the real Redis,
// ClickHouse and Kafka that test/harness/global-setup.ts starts (or reuses, see README).
// Integration files run one at a time (--no-file-parallelism in package.json): they share the
// real services, and a test that restarts the broker must not break another file's stream.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
