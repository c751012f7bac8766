import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The reliability suite runs on its own, with its summary: npm run test:reliability.
    exclude: ['test/reliability/**', '**/node_modules/**'],
    environment: 'node',
    setupFiles: ['test/setup/aws-matchers.ts'],
    globalSetup: ['test/setup/install-emulator.ts'],
    // End-to-end files each run their own local AWS; a deploy there takes seconds.
    testTimeout: 60_000,
    // Most files wait on their own local AWS (a separate process), so two run at once even on two cores.
    maxWorkers: 2,
    hookTimeout: 120_000,
  },
});
