import { defineConfig } from 'vitest/config';
import PlainSummaryReporter from './test/support/plain-summary-reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Integration and e2e tests open real sockets and spawn worker threads; keep the 2-core machine unsaturated.
    maxWorkers: 2,
    reporters: ['default', new PlainSummaryReporter()],
  },
});
