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
  /**
   * The state machine's ARN, when the run stands in for one whose executions something else
   * describes (a test's Step Functions); its execution's is `$$.Execution.Id`.
   * @default `arn:aws:states:us-east-1:000000000000:stateMachine:<stateMachineName>`
   */
  readonly stateMachineArn?: string;
}

export function executionContext(names: ExecutionNames): Record<string, unknown> {
  const stateMachine = names.stateMachineName ?? 'modeshift-local';
  const execution = names.executionName ?? randomUUID();
  const stateMachineArn = names.stateMachineArn ?? `${LOCAL_ARN_PREFIX}:stateMachine:${stateMachine}`;
  return {
    Execution: {
      Id: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution}`,
      Name: execution,
      RoleArn: `arn:aws:iam::000000000000:role/${stateMachine}`,
    },
    StateMachine: { Id: stateMachineArn, Name: stateMachine },
    State: {
      get EnteredTime(): string {
        return new Date().toISOString();
      },
    },
  };
}
