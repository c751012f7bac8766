/**
 * The order `npm test` starts its files in, across all four projects, so that
 * the longest start first and the workers end together: vitest's own order
 * runs the projects one after another by name, which left the two
 * fault-injection files (minutes each) to start late and run on alone.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Until vitest has timed them (a fresh clone), the files that take minutes, with
 * what they took in `npm test` on two cores; vitest's own durations replace these.
 */
const FIRST_RUN_ESTIMATE_MS: Readonly<Record<string, number>> = {
  'reliability:test/reliability/fault-injection-deploy.test.ts': 320_000,
  'reliability:test/reliability/fault-injection-down.test.ts': 300_000,
};

/** For the other files not timed yet: projects whose files run longer first. */
const PROJECT_WEIGHT: Readonly<Record<string, number>> = { reliability: 3, browser: 2, e2e: 1, unit: 0 };

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const key = (spec: TestSpecification) => `${spec.project.name}:${relative(config.root, spec.moduleId)}`;
    const duration = (spec: TestSpecification) =>
      cache.getFileTestResults(key(spec))?.duration ?? FIRST_RUN_ESTIMATE_MS[key(spec)];
    const size = (spec: TestSpecification) => cache.getFileStats(key(spec))?.size ?? 0;
    const weight = (spec: TestSpecification) => PROJECT_WEIGHT[spec.project.name] ?? 0;
    return [...files].sort((a, b) => {
      const [timeA, timeB] = [duration(a), duration(b)];
      // Timed files longest first; then the others by project, larger files first.
      if (timeA !== undefined && timeB !== undefined) return timeB - timeA;
      if (timeA !== undefined) return -1;
      if (timeB !== undefined) return 1;
      return weight(b) - weight(a) || size(b) - size(a);
    });
  }
}
