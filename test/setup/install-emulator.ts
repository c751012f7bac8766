// Installs the local AWS (moto, into .venv) once before the tests of the projects
// that start it (e2e, browser, reliability; see vitest.config.ts), so their files
// do not race to install it. The unit project has no global setup.
import { ensureEmulatorInstalled } from '../../emulator/local-aws.ts';

export default function setup() {
  ensureEmulatorInstalled((line) => process.stderr.write(`${line}\n`));
}
