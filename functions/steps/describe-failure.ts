/**
 * DescribeFailure: the first state of both workflows' failure path. Works out
 * which state failed and why, the status the environment record gets, and the
 * detail of the `Deployment Failed` / `Teardown Failed` event.
 */
import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { TASK_FAILURE_EVENTS, TASK_SCHEDULED_EVENTS } from '../../core/history-events.ts';
import { lambdaHandler } from '../lambda-handler.ts';
import { defineStep } from '../step.ts';

/** Failures the workflows raise themselves, before touching anything, and the state that raises each. */
const REFUSALS: Readonly<Record<string, string>> = {
  'Modeshift.ModeChangeRefused': 'CheckModeChange',
  'Modeshift.EnvironmentLocked': 'AcquireLock',
  'Modeshift.ProductionDownNotConfirmed': 'ConfirmProductionDown',
  'Modeshift.EnvironmentNotFound': 'EnvironmentKnown',
};

export interface DescribeFailureInput {
  readonly action: 'deploy' | 'down';
  readonly executionArn: string;
  /** The workflow's whole state when the failure was caught. */
  readonly state: {
    readonly failure?: { readonly Error?: string; readonly Cause?: string };
    readonly mode?: string;
    readonly policy?: unknown;
    readonly current?: { readonly mode?: string; readonly policy?: unknown };
    readonly previous?: { readonly Attributes?: { readonly status?: { readonly S?: string } } };
    readonly run?: { readonly event?: Record<string, unknown> };
  };
}

export interface FailureReport {
  readonly failedState: string;
  readonly error: string;
  readonly cause: string;
  /** The status the environment record gets when this run's lock is released. */
  readonly recordStatus: string;
  readonly mode: string;
  /** Detail of the failure event: the run's event plus failedState, error and cause. */
  readonly event: Record<string, unknown>;
  /** The same detail as the JSON text EventBridge takes (the cause may hold any character). */
  readonly eventDetail: string;
}

/** Finds the state whose failure ended an execution. */
export interface ExecutionHistory {
  failedState(executionArn: string): Promise<string | undefined>;
}

/** The report of the failure `input` caught, naming the failed state as `history` finds it. */
export async function failureReport(
  input: DescribeFailureInput,
  history: ExecutionHistory,
): Promise<FailureReport> {
  const { state, action } = input;
  const error = state.failure?.Error ?? 'States.Unknown';
  const cause = state.failure?.Cause ?? '';
  const refusedBy = REFUSALS[error];
  const failedState = refusedBy ?? (await history.failedState(input.executionArn)) ?? 'unknown';
  const previousStatus = state.previous?.Attributes?.status?.S;
  const recordStatus =
    refusedBy !== undefined
      ? (previousStatus ?? 'refused')
      : action === 'deploy'
        ? 'failed'
        : 'teardown-failed';
  const mode = (action === 'deploy' ? state.mode : state.current?.mode) ?? 'unknown';
  const policy = action === 'deploy' ? state.policy : state.current?.policy;
  const event = {
    ...(state.run?.event ?? {}),
    ...(policy !== undefined ? { policy } : {}),
    failedState,
    error,
    cause,
  };
  return { failedState, error, cause, recordStatus, mode, event, eventDetail: JSON.stringify(event) };
}

const FAILURE_EVENTS = new Set<string>([
  ...TASK_FAILURE_EVENTS,
  'MapIterationFailed',
  'ParallelStateFailed',
  'MapStateFailed',
  'FailStateEntered',
]);

const SCHEDULED_EVENTS = new Set<string>(TASK_SCHEDULED_EVENTS);

/**
 * The execution history as Step Functions keeps it: the newest failure event
 * of a Task (not of an enclosing Map or Parallel) that no Retry took up,
 * traced back to the state it happened in. A failure the state's Retry
 * answered (a throttled call, `Modeshift.NotReady` while AWS is still
 * working) is followed by the same state's work being scheduled again; such
 * failures are skipped, so a state still polling in another branch does not
 * hide the one that failed.
 */
export function stepFunctionsHistory(sfn: SFNClient): ExecutionHistory {
  return {
    async failedState(executionArn) {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1000, nextToken }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken && events.length < 5000);
      const byId = new Map(events.map((event) => [event.id, event]));
      const enteredOf = (event: HistoryEvent): HistoryEvent | undefined => {
        let cursor: HistoryEvent | undefined = event;
        while (cursor && cursor.stateEnteredEventDetails?.name === undefined) {
          cursor = cursor.previousEventId === undefined ? undefined : byId.get(cursor.previousEventId);
        }
        return cursor;
      };
      // Newest first: a state's work scheduled after a failure means that failure was retried.
      const scheduledAgain = new Set<number | undefined>();
      for (const event of events) {
        if (event.type && SCHEDULED_EVENTS.has(event.type)) {
          scheduledAgain.add(enteredOf(event)?.id);
          continue;
        }
        if (!event.type || !FAILURE_EVENTS.has(event.type) || /^(Map|Parallel)/.test(event.type)) continue;
        const entered = enteredOf(event);
        if (entered !== undefined && scheduledAgain.has(entered.id)) continue;
        const name = entered?.stateEnteredEventDetails?.name;
        if (name) return name;
      }
      return undefined;
    },
  };
}

/**
 * Describes the failure the workflow caught. Locally the engine tells which
 * Task failed last (`context.lastFailedTask`); on AWS the execution history
 * does.
 */
export const describeFailure = defineStep({
  name: 'DescribeFailure',
  clients: { sfn: SFNClient },
  sends: [GetExecutionHistoryCommand],
  run(input: DescribeFailureInput, { sfn }, context): Promise<FailureReport> {
    const lastFailedTask = context.lastFailedTask;
    const history =
      lastFailedTask === undefined
        ? stepFunctionsHistory(sfn)
        : { failedState: async () => lastFailedTask() };
    return failureReport(input, history);
  },
});

export const handler = lambdaHandler(describeFailure);
