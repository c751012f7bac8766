import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/setup/longest-first.ts';
import { ReliabilitySummary } from './test/setup/reliability-summary.ts';

/** What every project shares. */
const shared = {
  environment: 'node',
  // End-to-end files each run their own local AWS; a deploy there takes seconds.
  testTimeout: 60_000,
  hookTimeout: 120_000,
} as const;

/** Registers aws-sdk-client-mock's matchers in every project. */
const awsMatchers = 'test/setup/aws-matchers.ts';

/**
 * Unit files that need a module graph of their own: the engine files that wrap clients once per
 * process and count it, and the files that send through real SDK clients (the benchmark's in-memory
 * AWS, the bundled Lambda), which another file's aws-sdk-client-mock stubs would answer instead.
 */
const UNIT_ISOLATED = [
  'test/engine/call-log.test.ts',
  'test/engine/call-latency.test.ts',
  'test/bench/**/*.test.ts',
  'test/stacks/**/*.test.ts',
];

/** Installs the local AWS (moto, into .venv) once per run, for the projects that start it, and empties the call log. */
const installLocalAws = ['test/setup/install-emulator.ts'];

/**
 * Where the runs on the local AWS log every AWS call with its principal (engine/call-log.ts), for
 * `npm run check:iam` to check after them. Emptied at the start of each run.
 */
const callLog = { MODESHIFT_CALL_LOG: resolve(import.meta.dirname, '.call-log') };

// One project per kind of test, each runnable alone: `npx vitest --project unit` (npm run test:unit, …).
// `npm test` runs all four in one pool, so the long reliability files run beside the rest.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          // No local AWS, no Python, no browser (the guard fails a test that starts either): about a minute.
          // No network either, but for one case: test/stacks/lambda-bundle.test.ts runs `sst install` when .sst/
          // is missing (npm run check makes it), and that fetches SST's AWS provider from the npm registry.
          name: 'unit',
          // The files share one module graph per worker instead of importing the AWS SDK afresh each
          // (npm test's unit files: about 2 minutes of CPU less); the files that need fresh clients
          // run isolated, in unit-isolated.
          isolate: false,
          include: ['test/**/*.test.ts'],
          exclude: [
            ...UNIT_ISOLATED,
            'test/e2e-*/**',
            'test/emulator/**',
            'test/reliability/**',
            '**/node_modules/**',
          ],
          setupFiles: [awsMatchers, 'test/setup/unit-process-guard.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'unit-isolated',
          include: UNIT_ISOLATED,
          setupFiles: [awsMatchers, 'test/setup/unit-process-guard.ts'],
        },
      },
      {
        test: {
          ...shared,
          // On the local AWS; test/emulator checks the machine's python3, which the local AWS runs on.
          name: 'e2e',
          env: callLog,
          include: ['test/e2e-emulator/**/*.test.ts', 'test/emulator/**/*.test.ts'],
          setupFiles: [awsMatchers],
          globalSetup: installLocalAws,
        },
      },
      {
        test: {
          ...shared,
          // Pages opened in the Chromium that comes with the npm install (test/support/chromium.ts), on the local AWS.
          name: 'browser',
          env: callLog,
          include: ['test/e2e-browser/**/*.test.ts'],
          setupFiles: [awsMatchers],
          globalSetup: installLocalAws,
        },
      },
      {
        test: {
          ...shared,
          // Faults, crashes, duplicates, races, hostile input; the summary prints after the run (ReliabilitySummary).
          name: 'reliability',
          env: callLog,
          include: ['test/reliability/**/*.test.ts'],
          setupFiles: [awsMatchers],
          globalSetup: installLocalAws,
        },
      },
    ],
    reporters: ['default', new ReliabilitySummary()],
    // Across projects, the longest files first (test/setup/longest-first.ts).
    sequence: { sequencer: LongestFirst },
    // Three files at once on two cores: a file on the local AWS keeps under one core busy (its moto server
    // and it take turns, and runs wait on timers: a second between .sync polls, a second for a certificate),
    // so a third fills what two leave idle. Measured on two cores with the local AWS installed: npm test took
    // 6m46s with three, 8m04s with two.
    maxWorkers: 3,
  },
});
