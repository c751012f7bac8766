/** The workflows' ASL definitions, read from state-machines/ as they are deployed. */
import { readFileSync } from 'node:fs';

export type WorkflowName = 'deploy' | 'down';

const cache = new Map<WorkflowName, unknown>();

/** The parsed ASL of a workflow, with its `${Placeholder}` tokens as written. */
export function workflowDefinition(name: WorkflowName): unknown {
  let definition = cache.get(name);
  if (definition === undefined) {
    const file = new URL(`../state-machines/${name}.asl.json`, import.meta.url);
    definition = JSON.parse(readFileSync(file, 'utf8'));
    cache.set(name, definition);
  }
  return definition;
}
