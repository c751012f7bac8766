import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The reliability suite (faults, crashes, duplicates, races, hostile input): npm run test:reliability.
// Two files at once (see vitest.config.ts): the deploy and down fault-injection files, the longest, side by side.
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/reliability/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
  },
});
