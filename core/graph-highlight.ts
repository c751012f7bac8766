/**
 * What a picture of a workflow highlights: the states a run entered (or the
 * plan says it will), the way each Choice went, the failures, and the Catch
 * transitions taken. Made from the plan's traced path (`--mode`) or from an
 * execution's trace (`--env`), so both are drawn alike.
 */
import { caughtStates, type ExecutionTrace, enteredStates, unhandledFailures } from './execution-trace.ts';
import type { WorkflowPath } from './workflow-path.ts';

export interface WorkflowHighlight {
  /** States entered, in order of first entry. */
  readonly path: readonly string[];
  /** States whose failure no Retry or Catch handled (the step that failed the run). */
  readonly failed: readonly string[];
  /** The error each failed state failed with, where known. */
  readonly errors: Readonly<Record<string, string>>;
  /** For each Choice passed, the states it went to (more than one when a loop passed it again). */
  readonly decisions: Readonly<Record<string, readonly string[]>>;
  /** States whose Catch transition was taken. */
  readonly caught: readonly string[];
}

/** The highlight of a traced path: no failures, no catches (the plan assumes a healthy AWS). */
export function highlightOfPath(path: WorkflowPath): WorkflowHighlight {
  const decisions: Record<string, string[]> = {};
  for (const { choice, next } of path.decisions) {
    const taken = decisions[choice] ?? [];
    if (!taken.includes(next)) taken.push(next);
    decisions[choice] = taken;
  }
  return { path: [...path.states], failed: [], errors: {}, decisions, caught: [] };
}

/** The parts of a definition the highlight of a trace needs. */
export interface StateIndex {
  /** Each state's type, by name (every machine, nested ones included). */
  readonly types: ReadonlyMap<string, string>;
  /** Each Choice's possible next states, by name. */
  readonly choiceTargets: ReadonlyMap<string, readonly string[]>;
}

/** States whose own failure is not the step that failed: a container fails with its inner state's error, a Fail state ends a failure path. */
const NOT_A_FAILED_STEP = new Set(['Map', 'Parallel', 'Fail']);

/**
 * The highlight of an execution's trace. `failedState` is the state the
 * environment's history names (a refusal names the check, not a Task), added
 * to the unhandled failures when it is a state of this workflow.
 */
export function highlightOfTrace(
  trace: Pick<ExecutionTrace, 'events'>,
  index: StateIndex,
  failedState?: { readonly state: string; readonly error?: string },
): WorkflowHighlight {
  const failures = unhandledFailures(trace).filter(
    (failure) => !NOT_A_FAILED_STEP.has(index.types.get(failure.state) ?? ''),
  );
  if (failedState && index.types.has(failedState.state)) failures.push(failedState);
  const failed: string[] = [];
  const errors: Record<string, string> = {};
  for (const failure of failures) {
    if (!failed.includes(failure.state)) failed.push(failure.state);
    if (failure.error && errors[failure.state] === undefined) errors[failure.state] = failure.error;
  }
  return {
    path: enteredStates(trace),
    failed,
    errors,
    decisions: decisionsOfTrace(trace, index),
    caught: caughtStates(trace),
  };
}

/**
 * Which way each Choice went: after each entry of a Choice, the first of its
 * targets entered next. Branches that run at once interleave their events,
 * but a Choice's targets are entered only from it (names are unique), so
 * the first one entered after it is the way it went.
 */
function decisionsOfTrace(
  trace: Pick<ExecutionTrace, 'events'>,
  index: StateIndex,
): Record<string, readonly string[]> {
  const decisions: Record<string, string[]> = {};
  const waiting = new Map<string, number>();
  for (const event of trace.events) {
    if (event.type !== 'StateEntered') continue;
    for (const [choice, count] of waiting) {
      if (!index.choiceTargets.get(choice)?.includes(event.state)) continue;
      const taken = decisions[choice] ?? [];
      if (!taken.includes(event.state)) taken.push(event.state);
      decisions[choice] = taken;
      if (count <= 1) waiting.delete(choice);
      else waiting.set(choice, count - 1);
      break;
    }
    if (index.choiceTargets.has(event.state)) waiting.set(event.state, (waiting.get(event.state) ?? 0) + 1);
  }
  return decisions;
}
