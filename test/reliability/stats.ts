/**
 * Counters the reliability suite keeps for its summary (`npm run test:reliability`):
 * each test adds what it tried. They go to a folder named by
 * MODESHIFT_RELIABILITY_STATS (the summary reporter, test/setup/reliability-summary.ts,
 * sets it), one file per worker process; without it, counting does nothing.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type ReliabilityMetric =
  | 'stepsFaultInjected'
  | 'permanentFaultRuns'
  | 'transientFaultsSurvived'
  | 'crashTrials'
  | 'crashTaskStatesDeploy'
  | 'crashPointsDeploy'
  | 'crashTaskStatesDown'
  | 'crashPointsDown'
  | 'duplicateCases'
  | 'raceCases'
  | 'hostileInputsTried'
  | 'safetyRulesChecked'
  | 'attacksTried'
  | 'attacksSucceeded'
  | 'invariantsChecked'
  | 'invariantViolations'
  | 'auditsRun'
  | 'auditOrphans'
  | 'driftInjected'
  | 'driftRepaired';

export function countReliability(metric: ReliabilityMetric, amount = 1): void {
  const dir = process.env.MODESHIFT_RELIABILITY_STATS;
  if (!dir || amount === 0) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify({ metric, amount })}\n`);
}

/**
 * Counts one attack on another environment's or someone else's resources (test/reliability/attacks-*.test.ts):
 * `succeeded` is whether the victim's resources read back changed. Call it after the read-back, so an attack
 * that got through is counted before the test's assertion fails.
 */
export function countAttack(succeeded: boolean): void {
  countReliability('attacksTried');
  if (succeeded) countReliability('attacksSucceeded');
}
