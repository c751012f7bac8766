// Writes state-machines/<name>.asl.json from the workflows' TypeScript (state-machines/deploy.ts, down.ts),
// formatted as Biome formats the rest of the repository.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WORKFLOW_NAMES } from '../core/workflow-definitions.ts';
import { workflowJson } from '../state-machines/workflows.ts';

const files = WORKFLOW_NAMES.map((name) =>
  fileURLToPath(new URL(`../state-machines/${name}.asl.json`, import.meta.url)),
);
const before = files.map((file) => readFileSync(file, 'utf8'));
WORKFLOW_NAMES.forEach((name, index) => {
  writeFileSync(files[index] as string, workflowJson(name));
});
execFileSync('npx', ['biome', 'format', '--write', ...files], { stdio: 'ignore' });
files.forEach((file, index) => {
  const changed = readFileSync(file, 'utf8') !== before[index];
  process.stdout.write(
    `state-machines/${WORKFLOW_NAMES[index]}.asl.json ${changed ? 'written' : 'is up to date'}\n`,
  );
});
