/**
 * Progress of a workflow run for a person: each step (Task, Map, Parallel) as
 * it starts and as it ends, with its duration; retries as they happen. Errors
 * a workflow catches on purpose (a resource that already exists) are not shown.
 * These are the plain lines, for a log or a pipe; on a terminal the CLI redraws
 * a live view of the same steps instead (cli/live-progress.ts).
 */

import { allStates } from '../core/asl.ts';
import { type WorkflowName, workflowDefinition } from '../core/workflow-definitions.ts';
import type { WorkflowEvent } from '../engine/run-workflow.ts';

const SHOWN = new Set(['Task', 'Map', 'Parallel']);

/**
 * The step an event concerns, as progress shows it (`EnsureNetwork`, or
 * `DeployService[1]` inside a Map), or undefined when the event is not about
 * a step a person is shown: a Choice, a Wait, a Pass, the execution itself.
 */
export function stepLabeller(workflow: WorkflowName): (event: WorkflowEvent) => string | undefined {
  const types = new Map(
    allStates(workflowDefinition(workflow)).map(({ name, state }) => [name, String(state.Type)]),
  );
  return function labelStep(event) {
    if (event.state === undefined || !SHOWN.has(types.get(event.state) ?? '')) return undefined;
    return event.index === undefined ? event.state : `${event.state}[${event.index}]`;
  };
}

export function progressPrinter(
  workflow: WorkflowName,
  write: (line: string) => void,
): (event: WorkflowEvent) => void {
  const labelStep = stepLabeller(workflow);
  const started = new Map<string, number>();
  return function printProgress(event) {
    const key = labelStep(event);
    if (key === undefined) return;
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
