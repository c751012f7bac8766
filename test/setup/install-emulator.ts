// Installs the local AWS (moto, into .venv) once before the tests of the projects
// that start it (e2e, browser, reliability; see vitest.config.ts), so their files
// do not race to install it. The unit project has no global setup.
// It also empties the call log (vitest.config.ts) once per run, so that `npm run check:iam`
// checks this run's calls only: the three projects' setups run in one process, which leaves its id.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureEmulatorInstalled } from '../../emulator/local-aws.ts';

const CALL_LOG = resolve(import.meta.dirname, '../../.call-log');

function emptyCallLogOncePerRun() {
  const marker = join(CALL_LOG, 'run');
  let run: string | undefined;
  try {
    run = readFileSync(marker, 'utf8');
  } catch {
    run = undefined;
  }
  if (run === String(process.pid)) return;
  rmSync(CALL_LOG, { recursive: true, force: true });
  mkdirSync(CALL_LOG, { recursive: true });
  writeFileSync(marker, String(process.pid));
}

export default function setup() {
  emptyCallLogOncePerRun();
  ensureEmulatorInstalled((line) => process.stderr.write(`${line}\n`));
}
