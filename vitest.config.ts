import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Integration and e2e tests open real sockets and spawn worker threads; keep the 2-core machine unsaturated.
    maxWorkers: 2,
  },
});
