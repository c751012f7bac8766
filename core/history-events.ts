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
