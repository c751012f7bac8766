/**
 * `npm run check:iam`: checks the calls the last end-to-end and reliability
 * run logged (MODESHIFT_CALL_LOG, `.call-log/` by default) against the
 * policies of the principals that make them on AWS, lints every derived
 * policy and checks the workflows' error names (core/iam/calls/iam-check.ts).
 * Exits 1 when anything fails, or when there is no log to check.
 */
import { resolve } from 'node:path';
import { formatIamCheck, readCallLog, runIamCheck } from '../core/iam/calls/iam-check.ts';
import { DEFAULT_LOCAL_TARGET } from '../local/bootstrap.ts';
import { STEPS } from '../state-machines/workflows.ts';

const directory = resolve(process.env.MODESHIFT_CALL_LOG || '.call-log');
const calls = readCallLog(directory);
if (calls.length === 0) {
  process.stderr.write(
    `check:iam: no calls logged in ${directory}; run the end-to-end and reliability tests first (npm test does both)\n`,
  );
  process.exit(1);
}
const result = await runIamCheck(calls, {
  place: { account: DEFAULT_LOCAL_TARGET.accountId, region: DEFAULT_LOCAL_TARGET.region },
  steps: STEPS,
});
process.stdout.write(formatIamCheck(result));
process.exit(result.passed ? 0 : 1);
