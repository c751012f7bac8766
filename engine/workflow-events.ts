/**
 * The events of a run, as aws-local-stepfunctions reports them, reduced to
 * what modeshift shows and counts; and what they say about a failed run.
 */
import type { StateMachine } from 'aws-local-stepfunctions';

/** One per state-machine event, emitted as it happens. */
export interface WorkflowEvent {
  /**
   * aws-local-stepfunctions' event type: `ExecutionStarted`, `StateEntered`,
   * `StateExited`, `StateFailed`, `StateRetried`, `StateCaught`,
   * `MapIterationStarted|Succeeded|Failed`, `ParallelBranchStarted|Succeeded|Failed`,
   * `ExecutionSucceeded`, `ExecutionFailed`, `ExecutionTimeout`.
   */
  type: string;
  /** The state the event concerns; for Map iteration and Parallel branch events, the Map or Parallel state. */
  state?: string;
  /** The Map iteration, for events inside a Map (the outermost Map's, when Maps are nested). */
  index?: number;
  /** For failures, and for retries the failure they retry: the error name… */
  error?: string;
  /** …and its cause. */
  cause?: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /**
   * Bytes of the state's input (StateEntered) or output (StateExited) as
   * UTF-8 JSON, what Step Functions' 256 KiB limit applies to; only when the
   * run measures them (RunWorkflowOptions.measureStateSizes).
   */
  bytes?: number;
}

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause) ?? String(cause);
}

function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text);
}

export function toWorkflowEvent(log: EventLog, measureSizes = false): WorkflowEvent {
  const event: WorkflowEvent = { type: log.type, timestamp: log.timestamp };
  if (measureSizes && 'state' in log) {
    if (log.type === 'StateEntered') event.bytes = jsonBytes(log.state.input);
    else if (log.type === 'StateExited') event.bytes = jsonBytes(log.state.output);
  }
  if ('state' in log) event.state = log.state.name;
  else if ('parentState' in log) event.state = log.parentState.name;
  if ('index' in log && typeof log.index === 'number') event.index = log.index;
  if ('Error' in log) {
    event.error = String(log.Error);
    event.cause = causeText(log.Cause);
  }
  return event;
}

/**
 * Step Functions bills a Standard workflow per state transition: one per
 * state entered, and one per retry of a state ("including retries", as its
 * pricing page says).
 */
export function countTransitions(events: readonly WorkflowEvent[]): number {
  return events.filter((event) => event.type === 'StateEntered' || event.type === 'StateRetried').length;
}

/** History events Step Functions records for entering (and leaving) a state of each type. */
const HISTORY_EVENTS_PER_STATE: Readonly<Record<string, number>> = {
  // TaskStateEntered, (Lambda|Task)Scheduled, …Started, …Succeeded or …Failed, TaskStateExited
  Task: 5,
  // MapStateEntered, MapStateStarted, MapStateSucceeded, MapStateExited (iterations counted apart)
  Map: 4,
  // ParallelStateEntered, ParallelStateStarted, ParallelStateSucceeded, ParallelStateExited
  Parallel: 4,
  // FailStateEntered (the execution's failure is counted apart)
  Fail: 1,
};

/**
 * The events an execution's history holds, counted as Step Functions records
 * them for a Standard workflow (the 25,000-event limit applies to these):
 * ExecutionStarted and its end; per state entered, its Entered and Exited
 * events and, for a Task, the scheduling, start and outcome of the work;
 * three more per retried attempt; two per Map iteration.
 */
export function countHistoryEvents(
  events: readonly WorkflowEvent[],
  stateTypes: ReadonlyMap<string, string>,
): number {
  let count = 2;
  for (const event of events) {
    if (event.type === 'StateEntered') {
      count += HISTORY_EVENTS_PER_STATE[stateTypes.get(event.state ?? '') ?? ''] ?? 2;
    } else if (event.type === 'StateRetried') count += 3;
    else if (event.type === 'MapIterationStarted') count += 2;
  }
  return count;
}

const CONTAINERS = new Set(['Map', 'Parallel']);

/**
 * The state whose failure ended the run: among the failures of `errorName`
 * that no Retry or Catch handled, the first that is not a Map or Parallel
 * state (these fail with their inner state's error after it), or else the
 * first of them.
 */
export function failedStateFrom(
  events: readonly WorkflowEvent[],
  errorName: string,
  stateTypes: ReadonlyMap<string, string>,
): string | undefined {
  const unhandled: WorkflowEvent[] = [];
  const lastFailure = new Map<string, WorkflowEvent>();
  for (const event of events) {
    if (event.state === undefined) continue;
    const key = `${event.state}#${event.index ?? ''}`;
    if (event.type === 'StateFailed') {
      unhandled.push(event);
      lastFailure.set(key, event);
    } else if (event.type === 'StateRetried' || event.type === 'StateCaught') {
      const handled = lastFailure.get(key);
      if (handled) unhandled.splice(unhandled.indexOf(handled), 1);
      lastFailure.delete(key);
    }
  }
  const candidates = unhandled.filter((event) => event.error === errorName);
  const inner = candidates.find((event) => !CONTAINERS.has(stateTypes.get(event.state ?? '') ?? ''));
  return (inner ?? candidates[0])?.state;
}
