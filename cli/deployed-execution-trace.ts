/**
 * The trace of an execution of the deployed app, read from Step Functions'
 * execution history (GetExecutionHistory, every page) and put in the shape
 * local runs store (core/execution-trace.ts).
 *
 * Step Functions does not name the state on a failure event, nor say whether
 * a Retry or a Catch took it: the failure is traced back through
 * `previousEventId` to the state entered before it, and the event caused by
 * the failure tells what followed — a state entered (caught), the task
 * scheduled again (retried), or nothing but the enclosing failure (unhandled).
 */
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionTrace, TraceEvent } from '../core/execution-trace.ts';
import { CONTAINER_ENTERED_EVENTS, RETRY_EVENTS, STATE_FAILURE_EVENTS } from '../core/history-events.ts';
import type { WorkflowName } from '../core/workflow-definitions.ts';

const EXECUTION_STATUS: Readonly<Record<string, string>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** Every event of the execution, oldest first. */
export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 1000,
        includeExecutionData: false,
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

/** The error name a failure event carries, in whichever `…EventDetails` it has. */
function errorOf(event: HistoryEvent): string | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || value === null || typeof value !== 'object') continue;
    const error = (value as { error?: unknown }).error;
    if (typeof error === 'string' && error !== '') return error;
  }
  return undefined;
}

const CONTAINER_FAILED = new Set(['MapStateFailed', 'ParallelStateFailed']);

/** Maps an execution history to a trace. */
export function traceOfHistory(
  workflow: WorkflowName,
  executionArn: string,
  history: readonly HistoryEvent[],
): ExecutionTrace {
  const byId = new Map(history.map((event) => [event.id, event]));
  const causedBy = new Map<number, HistoryEvent>();
  for (const event of history)
    if (event.previousEventId !== undefined && !causedBy.has(event.previousEventId))
      causedBy.set(event.previousEventId, event);
  const before = (event: HistoryEvent) =>
    event.previousEventId === undefined ? undefined : byId.get(event.previousEventId);
  /** A Task's failure: the state entered last on its chain of causes. */
  const taskOf = (event: HistoryEvent): string | undefined => {
    for (let cursor: HistoryEvent | undefined = event; cursor; cursor = before(cursor))
      if (cursor.type?.endsWith('StateEntered')) return cursor.stateEnteredEventDetails?.name;
    return undefined;
  };
  /** A Map or Parallel state's failure: its inner failure came first, so skip the containers that failed inside it. */
  const containerOf = (event: HistoryEvent): string | undefined => {
    let inner = 0;
    for (let cursor = before(event); cursor; cursor = before(cursor)) {
      if (CONTAINER_FAILED.has(cursor.type ?? '')) inner += 1;
      else if (CONTAINER_ENTERED_EVENTS.has(cursor.type ?? '')) {
        if (inner === 0) return cursor.stateEnteredEventDetails?.name;
        inner -= 1;
      }
    }
    return undefined;
  };
  /** What the failure led to, past the state's own exit. */
  const outcomeOf = (event: HistoryEvent): HistoryEvent | undefined => {
    const next = event.id === undefined ? undefined : causedBy.get(event.id);
    return next?.type?.endsWith('StateExited') && next.id !== undefined ? causedBy.get(next.id) : next;
  };
  const events: TraceEvent[] = [];
  let status = 'RUNNING';
  for (const event of history) {
    const type = event.type ?? '';
    status = EXECUTION_STATUS[type] ?? status;
    if (type.endsWith('StateEntered')) {
      const name = event.stateEnteredEventDetails?.name;
      if (name !== undefined) events.push({ state: name, type: 'StateEntered' });
      continue;
    }
    if (!STATE_FAILURE_EVENTS.has(type)) continue;
    const state = CONTAINER_FAILED.has(type) ? containerOf(event) : taskOf(event);
    if (state === undefined) continue;
    const error = errorOf(event);
    events.push({ state, type: 'StateFailed', ...(error ? { error } : {}) });
    const outcome = outcomeOf(event);
    if (outcome?.type?.endsWith('StateEntered')) events.push({ state, type: 'StateCaught' });
    else if (outcome?.type && RETRY_EVENTS.has(outcome.type)) events.push({ state, type: 'StateRetried' });
  }
  return { executionArn, workflow, status, events };
}

/** The trace of a deployed execution, from its full history. */
export async function readDeployedExecutionTrace(
  sfn: SFNClient,
  workflow: WorkflowName,
  executionArn: string,
): Promise<ExecutionTrace> {
  return traceOfHistory(workflow, executionArn, await executionHistory(sfn, executionArn));
}
