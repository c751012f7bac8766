// Runs the reliability suite (test/reliability) and prints what it tried, in a form read in ten seconds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'modeshift-reliability-'));
const run = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.reliability.config.ts'], {
  stdio: 'inherit',
  env: { ...process.env, MODESHIFT_RELIABILITY_STATS: dir },
});
const totals = new Map<string, number>();
for (const file of readdirSync(dir)) {
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (!line) continue;
    const { metric, amount } = JSON.parse(line) as { metric: string; amount: number };
    totals.set(metric, (totals.get(metric) ?? 0) + amount);
  }
}
const labels: Array<[string, string]> = [
  ['Task states fault-injected (permanent)', 'stepsFaultInjected'],
  ['  runs that failed cleanly and re-ran to success', 'permanentFaultRuns'],
  ['Transient faults (throttling) survived', 'transientFaultsSurvived'],
  ['Crash trials (process killed mid-deploy)', 'crashTrials'],
  ['Duplicate-delivery cases', 'duplicateCases'],
  ['Race cases', 'raceCases'],
  ['Hostile inputs tried', 'hostileInputsTried'],
  ['Safety rules checked', 'safetyRulesChecked'],
  ['Invariant checks', 'invariantsChecked'],
  ['Invariant violations found', 'invariantViolations'],
];
const rows = labels.map(([label, key]): [string, string] => [label, String(totals.get(key) ?? 0)]);
const width = Math.max(...rows.map(([label]) => label.length));
process.stdout.write('\nmodeshift reliability summary\n');
for (const [label, value] of rows) process.stdout.write(`  ${label.padEnd(width)}  ${value}\n`);
process.stdout.write(
  `  ${'Result'.padEnd(width)}  ${run.status === 0 ? 'all invariants held' : 'FAILED (see above)'}\n`,
);
process.exit(run.status ?? 1);
