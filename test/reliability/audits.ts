/**
 * `modeshift audit` as the reliability suite runs it after each run it checks: counted for the
 * summary (audits run, orphans they found), and failing the test with every finding.
 */
import { expect } from 'vitest';
import type { Target } from '../../local/target.ts';
import { auditShop } from '../e2e-emulator/local-aws.ts';
import { ENVIRONMENT, type Scenario, scenarioRequest } from './shop-requests.ts';
import { countReliability } from './stats.ts';

/** Audits the environment under test, deployed from `scenario` (or taken down); expects no finding. */
export async function expectAuditClean(target: Target, scenario: Scenario, when: string): Promise<void> {
  const audit = await auditShop(target, ENVIRONMENT, scenarioRequest(ENVIRONMENT, scenario));
  countReliability('auditsRun');
  countReliability('auditOrphans', audit.counts.orphan);
  expect(
    audit.findings.map((finding) => `${finding.kind}: ${finding.detail}`),
    `modeshift audit ${when} (${audit.checkedAs})`,
  ).toEqual([]);
}
