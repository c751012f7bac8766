/**
 * The context object (`$$`) of a local execution. aws-local-stepfunctions
 * fills in only `$$.Execution.Input`, `$$.Execution.StartTime` and, inside a
 * Map, `$$.Map.Item`; the rest of what the ASL reads is given here:
 * `$$.Execution.Id|Name|RoleArn`, `$$.StateMachine.Id|Name` and
 * `$$.State.EnteredTime`. The library evaluates a state's `Parameters` in
 * the same tick as it enters the state, so EnteredTime is the time of
 * reading; read later (in a ResultSelector) it is a little late.
 * `$$.State.Name` and `$$.State.RetryCount` are not known locally.
 */
import { randomUUID } from 'node:crypto';

const LOCAL_ARN_PREFIX = 'arn:aws:states:us-east-1:000000000000';

export interface ExecutionNames {
  /** @default a random UUID */
  readonly executionName?: string;
  /** @default "modeshift-local" */
  readonly stateMachineName?: string;
}

export function executionContext(names: ExecutionNames): Record<string, unknown> {
  const stateMachine = names.stateMachineName ?? 'modeshift-local';
  const execution = names.executionName ?? randomUUID();
  return {
    Execution: {
      Id: `${LOCAL_ARN_PREFIX}:execution:${stateMachine}:${execution}`,
      Name: execution,
      RoleArn: `arn:aws:iam::000000000000:role/${stateMachine}`,
    },
    StateMachine: { Id: `${LOCAL_ARN_PREFIX}:stateMachine:${stateMachine}`, Name: stateMachine },
    State: {
      get EnteredTime(): string {
        return new Date().toISOString();
      },
    },
  };
}
