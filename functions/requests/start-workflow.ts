/**
 * Starting a workflow execution for a request. The execution is named from
 * the deployment id, so a duplicate request (the same event delivered twice)
 * starts nothing new and gets the existing execution back.
 */

import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { hasAwsErrorName } from '../aws/errors.ts';

export interface StartedWorkflow {
  readonly executionArn: string;
  /** false when an execution of that name already existed: a duplicate request. */
  readonly started: boolean;
  /** For a duplicate: whether the existing execution is still running. */
  readonly running: boolean;
}

/** The ARN of the execution `name` of a state machine. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function startWorkflow(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  input: unknown,
): Promise<StartedWorkflow> {
  try {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return {
      executionArn: executionArn ?? executionArnOf(stateMachineArn, name),
      started: true,
      running: true,
    };
  } catch (error) {
    if (hasAwsErrorName(error, 'ExecutionAlreadyExists')) {
      const executionArn = executionArnOf(stateMachineArn, name);
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return { executionArn, started: false, running: status === 'RUNNING' };
    }
    throw error;
  }
}

/** The execution `name` when it exists already (a duplicate delivery of its request). */
export async function existingExecution(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
): Promise<StartedWorkflow | undefined> {
  const executionArn = executionArnOf(stateMachineArn, name);
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return { executionArn, started: false, running: status === 'RUNNING' };
  } catch (error) {
    if (hasAwsErrorName(error, 'ExecutionDoesNotExist')) return undefined;
    throw error;
  }
}
