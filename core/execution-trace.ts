/**
 * The transitions of one workflow execution, reduced to what a picture of
 * its path needs: which states it entered and which failures went unhandled.
 * Local runs store it as they end (local/execution-traces.ts); for the
 * deployed app it is read from Step Functions' execution history
 * (cli/deployed-execution-trace.ts). Kept small on purpose: no inputs, no
 * outputs, no timestamps — a deploy of a few services is a few kilobytes.
 */
import type { WorkflowName } from './workflow-definitions.ts';

/** The kinds of transition a trace keeps (the local engine's event names). */
export const TRACE_EVENT_TYPES = ['StateEntered', 'StateFailed', 'StateRetried', 'StateCaught'] as const;
export type TraceEventType = (typeof TRACE_EVENT_TYPES)[number];

export interface TraceEvent {
  readonly state: string;
  readonly type: TraceEventType;
  /** The error name, on StateFailed. */
  readonly error?: string;
}

export interface ExecutionTrace {
  readonly executionArn: string;
  readonly workflow: WorkflowName;
  readonly status: string;
  /** In order of occurrence (interleaved where branches ran at once). */
  readonly events: readonly TraceEvent[];
}

/** Every state the execution entered, in order of first entry. */
export function enteredStates(trace: Pick<ExecutionTrace, 'events'>): string[] {
  const entered = new Set<string>();
  for (const event of trace.events) if (event.type === 'StateEntered') entered.add(event.state);
  return [...entered];
}

/** A failure no Retry or Catch handled. */
export interface UnhandledFailure {
  readonly state: string;
  readonly error?: string;
}

/**
 * The failures no Retry or Catch of the same state handled, in order: a
 * state that failed and was retried or caught (a repository that already
 * exists, a schedule that is not there to delete) did its job.
 */
export function unhandledFailures(trace: Pick<ExecutionTrace, 'events'>): UnhandledFailure[] {
  const open = new Map<string, TraceEvent[]>();
  const order: TraceEvent[] = [];
  for (const event of trace.events) {
    if (event.type === 'StateFailed') {
      const failures = open.get(event.state) ?? [];
      failures.push(event);
      open.set(event.state, failures);
      order.push(event);
    } else if (event.type === 'StateRetried' || event.type === 'StateCaught') {
      const handled = open.get(event.state)?.pop();
      if (handled) order.splice(order.indexOf(handled), 1);
    }
  }
  return order.map((event) => ({ state: event.state, ...(event.error ? { error: event.error } : {}) }));
}

/** The states that caught a failure (their Catch transition was taken). */
export function caughtStates(trace: Pick<ExecutionTrace, 'events'>): string[] {
  return [...new Set(trace.events.filter((event) => event.type === 'StateCaught').map((e) => e.state))];
}

/**
 * The S3 key a local execution's trace is stored under, from its ARN
 * (`…:execution:<stateMachine>:<name>` → `executions/<stateMachine>/<name>.json`):
 * the environment's history entry names the ARN, so the trace is found from it.
 */
export function executionTraceKey(executionArn: string): string {
  const parts = executionArn.split(':');
  const name = parts.at(-1) ?? '';
  const stateMachine = parts.at(-2) ?? '';
  return `executions/${stateMachine}/${name}.json`;
}
