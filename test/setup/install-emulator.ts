// Installs the local AWS (moto, into .venv) once before any test runs, so the
// end-to-end tests under test/e2e-emulator do not race to install it.
import { ensureEmulatorInstalled } from '../../emulator/local-aws.ts';

export default function setup() {
  ensureEmulatorInstalled((line) => process.stderr.write(`${line}\n`));
}
