/**
 * Publishing a request to the deployed app's bus and following the execution
 * it starts (named from the deployment id) until it ends, printing each step
 * from the execution history as it happens, or passing on each of its events
 * in the shape the local engine reports a run's (engine/workflow-events.ts),
 * so the live progress view shows either the same way.
 */

import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { CONTAINER_ENTERED_EVENTS, RETRY_EVENTS, STATE_FAILURE_EVENTS } from '../core/history-events.ts';
import type { WorkflowEvent } from '../engine/run-workflow.ts';
import { hasAwsErrorName } from '../functions/aws/errors.ts';
import { executionArnOf } from '../functions/requests/start-workflow.ts';

export interface FollowOptions {
  readonly pollMs?: number;
  /** How long to wait for the execution to appear (a busy environment queues the request). @default 60 s */
  readonly appearWithinMs?: number;
  /** Called with `  ▶ Step` when a Task state is entered and `  ✓ Step` when it exits. @default none */
  readonly onStep?: (line: string) => void;
  /**
   * Called with each event of the execution as the local engine reports a
   * run's (`StateEntered`, `StateFailed`, `StateRetried`, …), read from its
   * history as it grows (`workflowEventsOfHistory`). @default none
   */
  readonly onEvent?: (event: WorkflowEvent) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface FollowedExecution {
  readonly executionArn: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'NOT_STARTED';
  readonly error?: string;
  readonly cause?: string;
  readonly transitions: number;
}

export async function publishRequest(
  eventbridge: EventBridgeClient,
  busName: string,
  detailType: 'Deploy Requested' | 'Down Requested',
  detail: unknown,
): Promise<void> {
  const result = await eventbridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: 'modeshift',
          DetailType: detailType,
          Detail: JSON.stringify(detail),
        },
      ],
    }),
  );
  if ((result.FailedEntryCount ?? 0) > 0) {
    throw new Error(
      `the bus refused the request: ${result.Entries?.[0]?.ErrorCode} ${result.Entries?.[0]?.ErrorMessage}`,
    );
  }
}

const CONTAINER_ENDED = new Set([
  'MapStateSucceeded',
  'MapStateFailed',
  'MapStateAborted',
  'ParallelStateSucceeded',
  'ParallelStateFailed',
  'ParallelStateAborted',
]);

/** The execution's own events, by the name the local engine gives them. */
const EXECUTION_EVENTS: Readonly<Record<string, string>> = {
  ExecutionStarted: 'ExecutionStarted',
  ExecutionSucceeded: 'ExecutionSucceeded',
  ExecutionFailed: 'ExecutionFailed',
  ExecutionTimedOut: 'ExecutionTimeout',
  ExecutionAborted: 'ExecutionAborted',
};

const MAP_ITERATION_DETAILS = {
  MapIterationStarted: 'mapIterationStartedEventDetails',
  MapIterationSucceeded: 'mapIterationSucceededEventDetails',
  MapIterationFailed: 'mapIterationFailedEventDetails',
} as const;

/** Where a history event happened: the state entered last on its chain of causes, and the Map iterations it is in (outermost first). */
interface Place {
  readonly state: string | undefined;
  readonly iterations: readonly number[];
}

const OUTSIDE: Place = { state: undefined, iterations: [] };

/** A failure no later event has said the fate of yet: retried, caught, or neither. */
interface Failure {
  readonly state: string;
  readonly index: number | undefined;
  readonly error: string | undefined;
  readonly cause: string | undefined;
}

/** The error and cause a failure event carries, in whichever `…EventDetails` it has. */
function failureOf(event: HistoryEvent): { error: string | undefined; cause: string | undefined } {
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || value === null || typeof value !== 'object') continue;
    const { error, cause } = value as { error?: unknown; cause?: unknown };
    if (typeof error === 'string' && error !== '')
      return { error, cause: typeof cause === 'string' ? cause : undefined };
  }
  return { error: undefined, cause: undefined };
}

/**
 * A reader of an execution's history, event by event in the order Step
 * Functions records them (across polls), that gives for each the events of
 * the run as the local engine reports them: `StateEntered` and `StateExited`
 * (the state named, and inside a Map the outermost iteration's `index`),
 * `StateFailed` with its error, and `StateRetried` or `StateCaught` once the
 * history shows what followed the failure. Step Functions names no state on a
 * failure event, nor says whether a Retry or a Catch took it: the state is the
 * one entered last on the failure's chain of causes (`previousEventId`), and
 * the event the failure caused tells its fate — the work scheduled again
 * (retried), the state exited or another entered (caught; a state the history
 * leaves without an exit is exited then, as the engine does), or anything
 * else (not handled there). Timestamps are the history's, in ms.
 */
export function workflowEventsOfHistory(): (event: HistoryEvent) => WorkflowEvent[] {
  const seen = new Map<number, HistoryEvent>();
  const places = new Map<number, Place>();
  const failures = new Map<number, Failure>();
  /** Errors of failure events, for a Map or Parallel state's failure, which carries none of its own. */
  const failedWith = new Map<number, ReturnType<typeof failureOf>>();
  /** States (`name#index`) exited when a Catch took their failure, so a late exit is not told twice. */
  const exitedOnCatch = new Set<string>();
  const placeOf = (id: number | undefined) => (id === undefined ? undefined : places.get(id)) ?? OUTSIDE;

  /** The Map or Parallel state entered that a `…StateSucceeded|Failed|Aborted` event ends. */
  function containerEntered(event: HistoryEvent): HistoryEvent | undefined {
    let inner = 0;
    for (let cursor = seen.get(event.previousEventId ?? 0); cursor; ) {
      const type = cursor.type ?? '';
      if (CONTAINER_ENDED.has(type)) inner += 1;
      else if (CONTAINER_ENTERED_EVENTS.has(type)) {
        if (inner === 0) return cursor;
        inner -= 1;
      }
      cursor = seen.get(cursor.previousEventId ?? 0);
    }
    return undefined;
  }

  function placeFor(event: HistoryEvent, type: string): Place {
    const before = placeOf(event.previousEventId);
    if (type.endsWith('StateEntered'))
      return { state: event.stateEnteredEventDetails?.name, iterations: before.iterations };
    if (CONTAINER_ENDED.has(type)) return placeOf(containerEntered(event)?.id);
    if (type === 'MapIterationStarted') {
      const details = event.mapIterationStartedEventDetails;
      // An iteration started after another (rather than by the Map's start) is not inside it.
      const previous = seen.get(event.previousEventId ?? 0)?.type ?? '';
      const outer = previous.startsWith('MapIteration') ? before.iterations.slice(0, -1) : before.iterations;
      return {
        state: details?.name ?? before.state,
        iterations: details?.index === undefined ? outer : [...outer, details.index],
      };
    }
    return before;
  }

  return function workflowEventsOf(event) {
    const type = event.type ?? '';
    const place = placeFor(event, type);
    if (event.id !== undefined) {
      seen.set(event.id, event);
      places.set(event.id, place);
    }
    const timestamp = event.timestamp?.getTime() ?? Date.now();
    const at = (state: string, index: number | undefined) => ({
      state,
      ...(index === undefined ? {} : { index }),
      timestamp,
    });
    const because = (error: string | undefined, cause: string | undefined) => ({
      ...(error === undefined ? {} : { error }),
      ...(cause === undefined ? {} : { cause }),
    });
    const index = place.iterations[0];
    const out: WorkflowEvent[] = [];

    const failure = failures.get(event.previousEventId ?? 0);
    if (failure) {
      failures.delete(event.previousEventId ?? 0);
      const { state, index: failedIndex, error, cause } = failure;
      if (RETRY_EVENTS.has(type)) {
        out.push({ type: 'StateRetried', ...at(state, failedIndex), ...because(error, cause) });
      } else if (type.endsWith('StateExited') || type.endsWith('StateEntered')) {
        out.push({ type: 'StateCaught', ...at(state, failedIndex) });
        if (type.endsWith('StateEntered')) {
          out.push({ type: 'StateExited', ...at(state, failedIndex) });
          exitedOnCatch.add(`${state}#${failedIndex ?? ''}`);
        }
      }
    }

    if (type.endsWith('StateEntered') && place.state !== undefined) {
      exitedOnCatch.delete(`${place.state}#${index ?? ''}`);
      out.push({ type: 'StateEntered', ...at(place.state, index) });
    } else if (type.endsWith('StateExited')) {
      const state = event.stateExitedEventDetails?.name;
      if (state !== undefined && !exitedOnCatch.delete(`${state}#${index ?? ''}`))
        out.push({ type: 'StateExited', ...at(state, index) });
    } else if (STATE_FAILURE_EVENTS.has(type) && place.state !== undefined) {
      const own = failureOf(event);
      const { error, cause } =
        own.error === undefined ? (failedWith.get(event.previousEventId ?? 0) ?? own) : own;
      if (event.id !== undefined) {
        failures.set(event.id, { state: place.state, index, error, cause });
        failedWith.set(event.id, { error, cause });
      }
      out.push({ type: 'StateFailed', ...at(place.state, index), ...because(error, cause) });
    } else if (Object.hasOwn(MAP_ITERATION_DETAILS, type)) {
      const details = event[MAP_ITERATION_DETAILS[type as keyof typeof MAP_ITERATION_DETAILS]];
      const inner = failedWith.get(event.previousEventId ?? 0);
      if (type === 'MapIterationFailed' && inner && event.id !== undefined) failedWith.set(event.id, inner);
      if (details?.name !== undefined) out.push({ type, ...at(details.name, details.index) });
    } else if (Object.hasOwn(EXECUTION_EVENTS, type)) {
      const { error, cause } = failureOf(event);
      out.push({ type: EXECUTION_EVENTS[type] ?? type, timestamp, ...because(error, cause) });
    }
    return out;
  };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function followExecution(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  options: FollowOptions = {},
): Promise<FollowedExecution> {
  const executionArn = executionArnOf(stateMachineArn, name);
  const sleep = options.sleep ?? defaultSleep;
  const pollMs = options.pollMs ?? 5000;
  const appearBy = Date.now() + (options.appearWithinMs ?? 60_000);
  let seen = 0;
  let transitions = 0;
  const workflowEventsOf = options.onEvent ? workflowEventsOfHistory() : undefined;
  for (;;) {
    let status: string | undefined;
    let error: string | undefined;
    let cause: string | undefined;
    try {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      ({ status, error, cause } = described);
    } catch (failure) {
      if (!hasAwsErrorName(failure, 'ExecutionDoesNotExist')) throw failure;
      if (Date.now() > appearBy) return { executionArn, status: 'NOT_STARTED', transitions };
      await sleep(pollMs);
      continue;
    }
    const events: HistoryEvent[] = [];
    let token: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: token }),
      );
      events.push(...(page.events ?? []));
      token = page.nextToken;
    } while (token);
    for (const event of events.slice(seen)) {
      if (event.type?.endsWith('StateEntered')) transitions += 1;
      const entered = event.stateEnteredEventDetails?.name;
      const exited = event.stateExitedEventDetails?.name;
      if (entered && event.type === 'TaskStateEntered') options.onStep?.(`  ▶ ${entered}`);
      if (exited && event.type === 'TaskStateExited') options.onStep?.(`  ✓ ${exited}`);
      for (const workflowEvent of workflowEventsOf?.(event) ?? []) options.onEvent?.(workflowEvent);
    }
    seen = events.length;
    if (status !== 'RUNNING') {
      return {
        executionArn,
        status: (status ?? 'FAILED') as FollowedExecution['status'],
        ...(error ? { error } : {}),
        ...(cause ? { cause } : {}),
        transitions,
      };
    }
    await sleep(pollMs);
  }
}
