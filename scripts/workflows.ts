// Writes state-machines/<name>.asl.json from the workflows' TypeScript (state-machines/deploy.ts, down.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { WORKFLOW_NAMES } from '../core/workflow-definitions.ts';
import { workflowJson } from '../state-machines/workflows.ts';

for (const name of WORKFLOW_NAMES) {
  const file = new URL(`../state-machines/${name}.asl.json`, import.meta.url);
  const json = workflowJson(name);
  const changed = readFileSync(file, 'utf8') !== json;
  if (changed) writeFileSync(file, json);
  process.stdout.write(`state-machines/${name}.asl.json ${changed ? 'written' : 'is up to date'}\n`);
}
