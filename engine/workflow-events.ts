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
  /** For failures: the error name… */
  error?: string;
  /** …and its cause. */
  cause?: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause) ?? String(cause);
}

export function toWorkflowEvent(log: EventLog): WorkflowEvent {
  const event: WorkflowEvent = { type: log.type, timestamp: log.timestamp };
  if ('state' in log) event.state = log.state.name;
  else if ('parentState' in log) event.state = log.parentState.name;
  if ('index' in log && typeof log.index === 'number') event.index = log.index;
  if ('Error' in log) {
    event.error = String(log.Error);
    event.cause = causeText(log.Cause);
  }
  return event;
}

/** Step Functions bills a Standard workflow per state transition: one per state entered. */
export function countTransitions(events: readonly WorkflowEvent[]): number {
  return events.filter((event) => event.type === 'StateEntered').length;
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
