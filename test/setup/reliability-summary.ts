/**
 * A vitest reporter that prints what the reliability suite (project
 * `reliability`, test/reliability) tried, in a form read in ten seconds, after
 * any run that includes it (`npm test`, `npm run test:reliability`). Its tests
 * count what they try (stats.ts) into a folder this reporter makes for the run
 * and names in MODESHIFT_RELIABILITY_STATS, which the test workers inherit.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** The vitest project that holds the reliability suite. */
export const RELIABILITY_PROJECT = 'reliability';

type Totals = ReadonlyMap<string, number>;

/**
 * Per workflow, the Task states a run was crashed at (killed as the state starts) and re-run from
 * to a clean run's end, of the Task states its ASL has: `deploy 34 of 34 Task states, down 31 of 31,
 * all converged`.
 */
function crashPoints(totals: Totals): string {
  const workflows = [
    ['deploy', 'crashPointsDeploy', 'crashTaskStatesDeploy'],
    ['down', 'crashPointsDown', 'crashTaskStatesDown'],
  ] as const;
  let missing = 0;
  const parts = workflows.map(([workflow, converged, states], index) => {
    const total = totals.get(states);
    if (total === undefined) return `${workflow} not run`;
    const done = totals.get(converged) ?? 0;
    missing += total - done;
    return `${workflow} ${done} of ${total}${index === 0 ? ' Task states' : ''}`;
  });
  return `${parts.join(', ')}, ${missing === 0 ? 'all converged' : `${missing} did not converge`}`;
}

/** Settings changed by hand that a redeploy set back, of those changed: `6 of 6`. */
function driftRepaired(totals: Totals): string {
  const injected = totals.get('driftInjected');
  return injected === undefined ? 'not run' : `${totals.get('driftRepaired') ?? 0} of ${injected}`;
}

const LABELS: ReadonlyArray<readonly [label: string, value: string | ((totals: Totals) => string)]> = [
  ['Task states fault-injected (permanent)', 'stepsFaultInjected'],
  ['  runs that failed cleanly and re-ran to success', 'permanentFaultRuns'],
  ['Transient faults (throttling) survived', 'transientFaultsSurvived'],
  ['Crash points (run killed as a Task state starts)', crashPoints],
  ['Crash trials (CLI process killed mid-deploy)', 'crashTrials'],
  ['Audits run (after every clean, faulted and crashed run)', 'auditsRun'],
  ['  orphans found', 'auditOrphans'],
  ['Drift repaired by a redeploy', driftRepaired],
  ['Duplicate-delivery cases', 'duplicateCases'],
  ['Race cases', 'raceCases'],
  ['Hostile inputs tried', 'hostileInputsTried'],
  ['Safety rules checked', 'safetyRulesChecked'],
  ['Attacks tried (takeovers, data loss by request)', 'attacksTried'],
  ['  attacks that succeeded', 'attacksSucceeded'],
  ['Invariant checks', 'invariantsChecked'],
  ['Invariant violations found', 'invariantViolations'],
];

function totalsIn(dir: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const { metric, amount } = JSON.parse(line) as { metric: string; amount: number };
      totals.set(metric, (totals.get(metric) ?? 0) + amount);
    }
  }
  return totals;
}

export class ReliabilitySummary implements Reporter {
  private dir = '';

  onInit(): void {
    this.dir = mkdtempSync(join(tmpdir(), 'modeshift-reliability-'));
    process.env.MODESHIFT_RELIABILITY_STATS = this.dir;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const modules = testModules.filter((module) => module.project.name === RELIABILITY_PROJECT);
    if (modules.length > 0) {
      const totals = totalsIn(this.dir);
      const rows = LABELS.map(
        ([label, value]) =>
          [label, typeof value === 'string' ? String(totals.get(value) ?? 0) : value(totals)] as const,
      );
      const width = Math.max(...rows.map(([label]) => label.length));
      const held = modules.every((module) => module.ok());
      process.stdout.write('\nmodeshift reliability summary\n');
      for (const [label, value] of rows) process.stdout.write(`  ${label.padEnd(width)}  ${value}\n`);
      process.stdout.write(
        `  ${'Result'.padEnd(width)}  ${held ? 'all invariants held' : 'FAILED (see above)'}\n`,
      );
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
