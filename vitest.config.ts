import { defineConfig } from 'vitest/config';
import PlainSummaryReporter from './test/support/plain-summary-reporter.js';

/**
 * Scale tests (test/scale/) open tens of thousands of loopback connections and leave as many in TIME_WAIT for a
 * minute: they run last, alone (a later project group starts only when the earlier one is done), so they neither
 * starve nor exhaust the ports of the other tests.
 */
const shared = {
  testTimeout: 60_000,
  hookTimeout: 30_000,
  // Integration and e2e tests open real sockets and spawn worker threads; keep the 2-core machine unsaturated.
  maxWorkers: 2,
};

export default defineConfig({
  test: {
    reporters: ['default', new PlainSummaryReporter()],
    projects: [
      { test: { ...shared, name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/scale/**'], sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'scale', include: ['test/scale/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
