/**
 * Step Functions execution-history event types that modeshift reads: the
 * ones in which a Task state's work (a service integration or a Lambda
 * function) failed, and the ones that schedule that work, the first time or
 * again after a Retry. Readers add the events of the other state types they
 * care about (Map, Parallel, Fail, activities).
 */
export const TASK_FAILURE_EVENTS = [
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
] as const;

export const TASK_SCHEDULED_EVENTS = ['TaskScheduled', 'LambdaFunctionScheduled'] as const;

/** Failure events of a state (a Map or Parallel state's own too, after its inner state's). */
export const STATE_FAILURE_EVENTS: ReadonlySet<string> = new Set<string>([
  ...TASK_FAILURE_EVENTS,
  'ActivityFailed',
  'ActivityTimedOut',
  'ActivityScheduleFailed',
  'MapStateFailed',
  'ParallelStateFailed',
]);

/** Events that start a Task's work again: what a Retry leads to. */
export const RETRY_EVENTS: ReadonlySet<string> = new Set<string>([
  ...TASK_SCHEDULED_EVENTS,
  'ActivityScheduled',
]);

/** A Map or Parallel state entered: the states inside it run next. */
export const CONTAINER_ENTERED_EVENTS: ReadonlySet<string> = new Set([
  'MapStateEntered',
  'ParallelStateEntered',
]);
