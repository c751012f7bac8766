/** The workflows' ASL definitions, read from state-machines/ as they are deployed. */
import { readFileSync } from 'node:fs';
import type { Machine } from './asl.ts';

export type WorkflowName = 'deploy' | 'down';

export const WORKFLOW_NAMES: readonly WorkflowName[] = ['deploy', 'down'];

const cache = new Map<WorkflowName, Machine>();

/**
 * The ASL of a workflow, with its `${Placeholder}` tokens as written: the
 * committed state-machines/<name>.asl.json, which state-machines/<name>.ts
 * generates (a test holds the two together).
 */
export function workflowDefinition(name: WorkflowName): Machine {
  let definition = cache.get(name);
  if (definition === undefined) {
    const file = new URL(`../state-machines/${name}.asl.json`, import.meta.url);
    definition = JSON.parse(readFileSync(file, 'utf8')) as Machine;
    cache.set(name, definition);
  }
  return definition;
}
