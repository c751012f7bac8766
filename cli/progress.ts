/**
 * Progress of a workflow run for a person: each step (Task, Map, Parallel) as
 * it starts and as it ends, with its duration; retries as they happen. Errors
 * a workflow catches on purpose (a resource that already exists) are not shown.
 */

import { allStates } from '../core/asl.ts';
import { type WorkflowName, workflowDefinition } from '../core/workflow-definitions.ts';
import type { WorkflowEvent } from '../engine/run-workflow.ts';

const SHOWN = new Set(['Task', 'Map', 'Parallel']);

export function progressPrinter(
  workflow: WorkflowName,
  write: (line: string) => void,
): (event: WorkflowEvent) => void {
  const types = new Map(
    allStates(workflowDefinition(workflow)).map(({ name, state }) => [name, String(state.Type)]),
  );
  const started = new Map<string, number>();
  const label = (event: WorkflowEvent) =>
    event.index === undefined ? String(event.state) : `${event.state}[${event.index}]`;
  return function printProgress(event) {
    if (event.state === undefined || !SHOWN.has(types.get(event.state) ?? '')) return;
    const key = label(event);
    if (event.type === 'StateEntered') {
      started.set(key, event.timestamp);
      write(`  ▶ ${key}\n`);
    } else if (event.type === 'StateExited') {
      const seconds = (event.timestamp - (started.get(key) ?? event.timestamp)) / 1000;
      write(`  ✓ ${key} ${seconds.toFixed(1)}s\n`);
    } else if (event.type === 'StateRetried') {
      write(`  ↻ ${key} retried after ${event.error ?? 'an error'}\n`);
    }
  };
}
