import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/setup/aws-matchers.ts'],
    globalSetup: ['test/setup/install-emulator.ts'],
    // End-to-end files each run their own local AWS; a deploy there takes seconds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
