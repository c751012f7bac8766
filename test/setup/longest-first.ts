/**
 * The order `npm test` starts its files in, across all four projects, so that
 * the longest start first and the two workers end together: vitest's own order
 * runs the projects one after another by name, which left the two
 * fault-injection files (minutes each) to start late and run on alone.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** How long a project's files usually take, for files vitest has no duration of yet (a fresh clone). */
const PROJECT_WEIGHT: Readonly<Record<string, number>> = { reliability: 3, browser: 2, e2e: 1, unit: 0 };

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const key = (spec: TestSpecification) => `${spec.project.name}:${relative(config.root, spec.moduleId)}`;
    const duration = (spec: TestSpecification) => cache.getFileTestResults(key(spec))?.duration;
    const size = (spec: TestSpecification) => cache.getFileStats(key(spec))?.size ?? 0;
    const weight = (spec: TestSpecification) => PROJECT_WEIGHT[spec.project.name] ?? 0;
    return [...files].sort((a, b) => {
      const [timeA, timeB] = [duration(a), duration(b)];
      // Timed last run: longest first. A file never timed goes first (vitest's own rule), by project, then size.
      if (timeA !== undefined && timeB !== undefined) return timeB - timeA;
      if (timeA !== undefined) return 1;
      if (timeB !== undefined) return -1;
      return weight(b) - weight(a) || size(b) - size(a);
    });
  }
}
