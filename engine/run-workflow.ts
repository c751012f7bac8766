/**
 * Runs a state machine definition in-process with aws-local-stepfunctions:
 * the same ASL files that are deployed, with every Task run locally (AWS SDK
 * calls through the given clients, Lambda steps as functions), Waits and
 * Retries on a scaled clock, and every event reported as it happens.
 */
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
} from 'aws-local-stepfunctions';
import { allStates, duplicateStateNames, type JsonValue, type Machine } from '../core/asl.ts';
import { asPrincipal } from '../core/principal.ts';
import type { ClientFactory } from './clients.ts';
import { parseDefinition } from './definition.ts';
import { DefinitionError } from './errors.ts';
import { executionContext } from './execution-context.ts';
import { jsonataUses } from './jsonata.ts';
import type { LambdaStep } from './lambda-task.ts';
import { substitutePlaceholders } from './placeholders.ts';
import { scaleComputedWaits } from './scaled-wait.ts';
import type { TaskHandler } from './task-handler.ts';
import { buildTaskHandlers } from './task-handlers.ts';
import { applyDefaultTaskTimeout } from './task-timeouts.ts';
import { timeOverrides } from './time-scale.ts';
import {
  causeText,
  countHistoryEvents,
  countTransitions,
  failedStateFrom,
  toWorkflowEvent,
  type WorkflowEvent,
} from './workflow-events.ts';

export type { ClientFactory } from './clients.ts';
export type { LambdaStep } from './lambda-task.ts';
export type { WorkflowEvent } from './workflow-events.ts';

export interface RunWorkflowOptions {
  /** Creates (and caches) the AWS SDK v3 client for a Step Functions service id such as 'ec2', 'rds', 'route53', 'elasticloadbalancingv2', 'dynamodb', 'eventbridge', 'scheduler', 'servicediscovery', 'codebuild', 'ecr', 'cloudwatchlogs', 'acm', 's3', 'iam', 'ecs'. */
  clients: ClientFactory;
  /** Values for `${Name}` tokens in the definition. @default {} */
  placeholders?: Record<string, string>;
  /**
   * Lambda steps by name: a Task whose Resource is the token `${<Name>FunctionArn}` (or, after
   * substitution, a Lambda ARN whose function name ends in `<Name>`) runs `lambdaSteps[<Name>]`.
   * @default {}
   */
  lambdaSteps?: Record<string, LambdaStep>;
  /** Multiplies every Wait state's seconds and every Retry interval (0 in unit tests so nothing sleeps). @default 1 */
  timeScale?: number;
  /** Polling interval for emulated `.sync` integrations, in ms (scaled by timeScale as well). @default 5000 */
  syncPollMs?: number;
  /** Called for every event as it happens (progress output, counting transitions). */
  onEvent?: (event: WorkflowEvent) => void;
  /** Task timeout applied when a Task state has no TimeoutSeconds (aws-local-stepfunctions defaults to 60 s; AWS has none). @default 3600 (1 hour) */
  defaultTaskTimeoutSeconds?: number;
  /** The execution's name, in `$$.Execution.Name` and `$$.Execution.Id` (modeshift names executions by deployment id). @default a random UUID */
  executionName?: string;
  /** The state machine's name, in `$$.StateMachine.Name|Id` and `$$.Execution.Id`. @default "modeshift-local" */
  stateMachineName?: string;
  /** The state machine's ARN, in `$$.StateMachine.Id` and `$$.Execution.Id`. @default a local ARN of stateMachineName */
  stateMachineArn?: string;
  /** Records the size of every state's input and output in its events (`bytes`); costs a JSON serialization each. @default false */
  measureStateSizes?: boolean;
  /**
   * Ends the execution as a killed process would: once aborted, no state starts, no Retry or Catch
   * takes over and the execution records no outcome; `runWorkflow` rejects with the signal's reason.
   * What the run did until then stays done. A Task already running when it is aborted is not stopped
   * (a Lambda step runs on, as it would on AWS), but its handler's `signal` is aborted.
   * @default never aborted
   */
  signal?: AbortSignal;
}

export interface WorkflowResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** The state whose failure ended the execution (the innermost failed Task, not the enclosing Map/Parallel), when it failed. */
  failedState?: string;
  /** Number of state transitions (states entered and retries), as Step Functions bills them. */
  transitions: number;
  /** Number of events the execution's history would hold on AWS (see countHistoryEvents). */
  historyEvents: number;
  events: WorkflowEvent[];
}

const DEFAULT_SYNC_POLL_MS = 5000;
const DEFAULT_TASK_TIMEOUT_SECONDS = 3600;

type LibraryDefinition = ConstructorParameters<typeof StateMachine>[0];
type LibraryInput = Parameters<StateMachine['run']>[0];

/** Substituted, checked and validated: the definition as it will run. */
function prepareDefinition(definition: string | object, options: RunWorkflowOptions): Machine {
  const lambdaStepNames = Object.keys(options.lambdaSteps ?? {});
  const machine = substitutePlaceholders(
    parseDefinition(definition),
    options.placeholders ?? {},
    lambdaStepNames,
  );
  const problems = [
    ...duplicateStateNames(machine).map(
      (name) => `state name "${name}" is used more than once (the engine finds Task handlers by state name)`,
    ),
    ...jsonataUses(machine),
  ];
  if (problems.length > 0) throw new DefinitionError(problems);
  return machine;
}

/**
 * Definitions validated already, by their JSON: validating compiles the ASL schema (asl-validator),
 * about 0.2 s of CPU, which a definition run again (same workflow, same placeholders) need not pay.
 */
const validated = new Set<string>();

function createStateMachine(machine: Machine): StateMachine {
  const key = JSON.stringify(machine);
  try {
    const stateMachine = new StateMachine(
      machine as unknown as LibraryDefinition,
      validated.has(key) ? { validationOptions: { noValidate: true } } : {},
    );
    validated.add(key);
    return stateMachine;
  } catch (error) {
    throw new DefinitionError(
      (error as Error).message
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('State machine definition is invalid')),
    );
  }
}

/** The error name and cause a run failed with, from what `result` rejected with. */
function failureOf(error: unknown): { error: string; cause: string } {
  if (error instanceof ExecutionTimeoutError)
    return { error: 'States.Timeout', cause: 'the execution timed out' };
  const thrown = error instanceof ExecutionError ? error.cause : error;
  if (thrown instanceof Error) return { error: thrown.name, cause: causeText(thrown.message) };
  return { error: 'Error', cause: causeText(thrown) };
}

/**
 * The handlers, each noting which state threw the error it fails with: the
 * library passes that same error object up through Map and Parallel states,
 * so the execution's error leads back to the innermost failed Task.
 */
function recordingFailures(
  handlers: Record<string, TaskHandler>,
  failedStates: WeakMap<object, string>,
  onFailure: (stateName: string) => void,
): Record<string, TaskHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([stateName, handler]) => [
      stateName,
      async function recordFailure(taskInput: JsonValue) {
        try {
          return await handler(taskInput);
        } catch (error) {
          if (typeof error === 'object' && error !== null) failedStates.set(error, stateName);
          onFailure(stateName);
          throw error;
        }
      },
    ]),
  );
}

/**
 * The handlers, each refusing to start once `signal` is aborted: the library
 * retries a Task that fails while its execution is being aborted, and a
 * killed process runs nothing more.
 */
function stoppingWhenAborted(
  handlers: Record<string, TaskHandler>,
  signal: AbortSignal | undefined,
): Record<string, TaskHandler> {
  if (!signal) return handlers;
  return Object.fromEntries(
    Object.entries(handlers).map(([stateName, handler]) => [
      stateName,
      async function startUnlessAborted(taskInput: JsonValue) {
        signal.throwIfAborted();
        return handler(taskInput);
      },
    ]),
  );
}

/**
 * Collects the run's events as they come and passes each to `onEvent`. The
 * first error `onEvent` throws is rethrown once the run is over; until then
 * events keep being collected.
 */
async function collectEvents(
  eventLogs: ReturnType<StateMachine['run']>['eventLogs'],
  events: WorkflowEvent[],
  onEvent: ((event: WorkflowEvent) => void) | undefined,
  measureSizes: boolean,
): Promise<void> {
  let listenerError: { error: unknown } | undefined;
  // The library's retry event names no error; the failure it retries, just before it, does.
  const lastFailure = new Map<string, WorkflowEvent>();
  for await (const log of eventLogs) {
    const event = toWorkflowEvent(log, measureSizes);
    const key = `${event.state}#${event.index ?? ''}`;
    if (event.type === 'StateFailed') lastFailure.set(key, event);
    const retried = event.type === 'StateRetried' ? lastFailure.get(key) : undefined;
    if (retried?.error !== undefined && event.error === undefined) {
      event.error = retried.error;
      if (retried.cause !== undefined) event.cause = retried.cause;
    }
    events.push(event);
    try {
      onEvent?.(event);
    } catch (error) {
      listenerError ??= { error };
    }
  }
  if (listenerError) throw listenerError.error;
}

/** Runs `definition` with `input` and resolves when the execution ends, failed or not. */
export async function runWorkflow(
  definition: string | object,
  input: unknown,
  options: RunWorkflowOptions,
): Promise<WorkflowResult> {
  options.signal?.throwIfAborted();
  const machine = prepareDefinition(definition, options);
  // The types as written: a scaled Wait runs as a Task, but is billed and recorded as a Wait.
  const stateTypes = new Map(allStates(machine).map(({ name, state }) => [name, state.Type]));
  scaleComputedWaits(machine, options.timeScale ?? 1);
  const stateMachine = createStateMachine(machine);
  applyDefaultTaskTimeout(machine, options.defaultTaskTimeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS);

  const timeScale = options.timeScale ?? 1;
  const finished = new AbortController();
  const failedStates = new WeakMap<object, string>();
  // Task failures no Retry has taken up (yet): a retried failure is not what a run failed of.
  const unretriedFailures: string[] = [];
  const lastFailedTask = () => unretriedFailures.at(-1);
  const handlers = buildTaskHandlers(machine, options.lambdaSteps ?? {}, (stateName) => ({
    stateName,
    clients: options.clients,
    signal: finished.signal,
    pollMs: (options.syncPollMs ?? DEFAULT_SYNC_POLL_MS) * timeScale,
    timeScale,
    lastFailedTask,
  }));
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers: stoppingWhenAborted(
        recordingFailures(handlers, failedStates, (stateName) => {
          unretriedFailures.push(stateName);
        }),
        options.signal,
      ),
      ...timeOverrides(machine, timeScale),
    },
    context: executionContext(options),
  };

  // Every call the run makes is its state machine's role's, but for the steps' own (engine/lambda-task.ts).
  const principal =
    `workflow/${(options.stateMachineName ?? 'workflow').replace(/^modeshift-/, '')}` as const;
  const execution = asPrincipal(principal, () => stateMachine.run((input ?? {}) as LibraryInput, runOptions));
  const abortExecution = () => {
    execution.abort();
    finished.abort();
  };
  options.signal?.addEventListener('abort', abortExecution, { once: true });
  const events: WorkflowEvent[] = [];
  const collecting = collectEvents(
    execution.eventLogs,
    events,
    (event) => {
      if (event.type === 'StateRetried' && event.state !== undefined) {
        const retried = unretriedFailures.lastIndexOf(event.state);
        if (retried >= 0) unretriedFailures.splice(retried, 1);
      }
      options.onEvent?.(event);
    },
    options.measureStateSizes ?? false,
  );
  let outcome: { output: unknown } | { failure: unknown };
  try {
    outcome = { output: await execution.result };
  } catch (failure) {
    outcome = { failure };
  } finally {
    options.signal?.removeEventListener('abort', abortExecution);
    finished.abort();
  }
  await collecting;
  if ('failure' in outcome && outcome.failure instanceof ExecutionAbortedError && options.signal?.aborted) {
    throw options.signal.reason;
  }

  const transitions = countTransitions(events);
  const historyEvents = countHistoryEvents(events, stateTypes);
  if ('output' in outcome) {
    return { status: 'SUCCEEDED', output: outcome.output, transitions, historyEvents, events };
  }
  const result: WorkflowResult = {
    status: 'FAILED',
    ...failureOf(outcome.failure),
    transitions,
    historyEvents,
    events,
  };
  const thrown = outcome.failure instanceof ExecutionError ? outcome.failure.cause : undefined;
  // A workflow that catches a failure and ends in a Fail state failed where its last Task failed.
  const endedInFailState =
    stateTypes.get(failedStateFrom(events, result.error ?? '', stateTypes) ?? '') === 'Fail';
  const failedState =
    (typeof thrown === 'object' && thrown !== null ? failedStates.get(thrown) : undefined) ??
    (endedInFailState ? lastFailedTask() : undefined) ??
    failedStateFrom(events, result.error ?? '', stateTypes);
  if (failedState !== undefined) result.failedState = failedState;
  return result;
}
