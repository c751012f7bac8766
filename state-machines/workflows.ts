/**
 * The workflows, as state-machines/deploy.ts and down.ts build them, and the
 * steps they run: every Lambda step is listed here because a workflow names
 * it, and nowhere else. The SST app makes a function of each, the local
 * engine runs them, and the IAM policies and the graph read their
 * declarations.
 *
 * The committed state-machines/<name>.asl.json are these definitions as
 * JSON (`npm run workflows` writes them; a test fails when they differ).
 */
import { allStates, type Machine } from '../core/asl.ts';
import type { SettingName } from '../core/policy.ts';
import type { WorkflowName } from '../core/workflow-definitions.ts';
import type { AnyStep } from '../functions/step.ts';
import { deployDefinition } from './deploy.ts';
import { downDefinition } from './down.ts';
import { stepOfState } from './patterns.ts';

/** The definitions, by workflow. */
export const WORKFLOWS: Readonly<Record<WorkflowName, Machine>> = {
  deploy: deployDefinition,
  down: downDefinition,
};

/** The steps a definition runs, in the order it first names them. */
export function stepsOf(definition: Machine): AnyStep[] {
  const steps = new Map<string, AnyStep>();
  for (const { state } of allStates(definition)) {
    const step = stepOfState(state) as AnyStep | undefined;
    if (step !== undefined && !steps.has(step.name)) steps.set(step.name, step);
  }
  return [...steps.values()];
}

/** Every step of every workflow, by name. */
export const STEPS: Readonly<Record<string, AnyStep>> = Object.fromEntries(
  Object.values(WORKFLOWS)
    .flatMap(stepsOf)
    .map((step) => [step.name, step]),
);

/** The policy settings a step reads from a whole policy, as its declaration says (none for a name that is no step). */
export function stepSettings(name: string): readonly SettingName[] {
  return STEPS[name]?.settings ?? [];
}

/** A workflow's ASL as committed: its definition as JSON, two-space indented, with a final newline. */
export function workflowJson(name: WorkflowName): string {
  return `${JSON.stringify(WORKFLOWS[name], null, 2)}\n`;
}
