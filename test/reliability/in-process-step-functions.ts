/**
 * A tiny Step Functions for the request handlers, in-process: an SFN client
 * (aws-sdk-client-mock on one instance) whose StartExecution runs the real
 * workflow in the local engine against the local AWS, in the background, and
 * when it ends calls `workflowFinished` as the outcome event does on AWS.
 * Execution names are unique as on AWS: a name seen before is refused with
 * ExecutionAlreadyExists, and DescribeExecution reports its status. A run's
 * `$$.Execution.Id` is its execution's ARN here, as on AWS.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { type WorkflowName, workflowDefinition } from '../../core/workflow-definitions.ts';
import { logCall } from '../../engine/call-log.ts';
import { runWorkflow, type WorkflowResult } from '../../engine/run-workflow.ts';
import type { DeployDeps } from '../../functions/requests/handle-request.ts';
import { workflowFinished } from '../../functions/workflow-finished.ts';
import type { RunOptions } from '../../local/run-workflows.ts';
import { LOCAL_STEPS } from '../../local/steps.ts';
import type { Target } from '../../local/target.ts';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:modeshift-';

export interface Execution {
  readonly name: string;
  readonly workflow: WorkflowName;
  readonly input: { project: string; environment: string; deploymentId: string };
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  result?: WorkflowResult;
}

export interface InProcessStepFunctionsOptions {
  /** Run each started execution's workflow; false records the start only (it stays RUNNING). @default true */
  readonly execute?: boolean;
  /**
   * Called once an execution's workflow has ended, before its outcome event is handled
   * (`workflowFinished`): a test delays the event by returning a promise it resolves later.
   * @default deliver at once
   */
  readonly beforeOutcome?: (execution: Execution) => Promise<void> | void;
  /**
   * The seams an execution's workflow runs with (injected-faults.ts `faultedRun`): its Lambda
   * steps and the wrapper of its clients.
   * @default LOCAL_STEPS and the target's clients
   */
  readonly seams?: (execution: Execution) => Pick<RunOptions, 'lambdaSteps' | 'clients'>;
}

export interface InProcessStepFunctions {
  /** Handler dependencies: this SFN, the local AWS's table and bus. */
  readonly deps: DeployDeps;
  /** Every execution, in the order it started. */
  readonly executions: readonly Execution[];
  /** How many StartExecution calls started an execution (the rest were refused as duplicates). */
  readonly starts: () => number;
  /** Resolves once no execution runs and no outcome is being handled; rethrows what went wrong there. */
  settled(): Promise<void>;
}

export function inProcessStepFunctions(
  target: Target,
  options: InProcessStepFunctionsOptions = {},
): InProcessStepFunctions {
  const sfn = new SFNClient({ region: target.settings.region });
  const mock = mockClient(sfn);
  const executions: Execution[] = [];
  const byArn = new Map<string, Execution>();
  const pending = new Set<Promise<void>>();
  const errors: unknown[] = [];
  const deps: DeployDeps = {
    sfn,
    dynamodb: target.clients('dynamodb') as DynamoDBClient,
    eventbridge: async () => target.clients('eventbridge') as EventBridgeClient,
    ssm: target.clients('ssm') as SSMClient,
    tableName: target.names.tableName,
    busName: target.names.busName,
    deployStateMachineArn: `${STATE_MACHINE}deploy`,
    downStateMachineArn: `${STATE_MACHINE}down`,
    now: () => new Date(),
    log: { info: () => {}, error: () => {} },
  };

  async function runToOutcome(execution: Execution): Promise<void> {
    const seams = options.seams?.(execution) ?? {};
    try {
      execution.result = await runWorkflow(workflowDefinition(execution.workflow), execution.input, {
        clients: seams.clients ? seams.clients(target.clients) : target.clients,
        placeholders: target.placeholders,
        lambdaSteps: seams.lambdaSteps ?? LOCAL_STEPS,
        timeScale: 0.01,
        syncPollMs: 1000,
        executionName: execution.name,
        stateMachineName: `modeshift-${execution.workflow}`,
        stateMachineArn: `${STATE_MACHINE}${execution.workflow}`,
      });
      execution.status = execution.result.status;
    } catch (error) {
      execution.status = 'FAILED';
      errors.push(error);
    }
    await options.beforeOutcome?.(execution);
    const { project, environment } = execution.input;
    // The outcome event's detail names its execution, as the workflows' events do.
    const executionArn = `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}${execution.workflow}:${execution.name}`;
    await workflowFinished({ detail: { project, environment, executionArn } }, deps);
  }

  // The mock answers in the SDK client's stead, below its middleware: the call log is told here what AWS would receive.
  const logged = (operation: string, input: Record<string, unknown>) =>
    logCall({ endpoint: target.endpoint, service: 'sfn', operation, input, synthetic: true });

  mock.on(StartExecutionCommand).callsFake(async ({ stateMachineArn, name, input }) => {
    logged('StartExecution', { stateMachineArn, name });
    const executionArn = `${String(stateMachineArn).replace(':stateMachine:', ':execution:')}:${name}`;
    if (byArn.has(executionArn)) {
      throw new ExecutionAlreadyExists({
        message: `Execution Already Exists: '${executionArn}'`,
        $metadata: {},
      });
    }
    const execution: Execution = {
      name: String(name),
      workflow: String(stateMachineArn).endsWith('down') ? 'down' : 'deploy',
      input: JSON.parse(String(input)),
      status: 'RUNNING',
    };
    executions.push(execution);
    byArn.set(executionArn, execution);
    if (options.execute !== false) {
      const running = runToOutcome(execution).catch((error: unknown) => {
        errors.push(error);
      });
      pending.add(running);
      void running.finally(() => pending.delete(running));
    }
    return { executionArn, startDate: new Date() };
  });

  mock.on(DescribeExecutionCommand).callsFake(async ({ executionArn }) => {
    logged('DescribeExecution', { executionArn });
    const execution = byArn.get(String(executionArn));
    if (!execution) {
      throw new ExecutionDoesNotExist({
        message: `Execution Does Not Exist: '${executionArn}'`,
        $metadata: {},
      });
    }
    return { executionArn, name: execution.name, status: execution.status };
  });

  return {
    deps,
    executions,
    starts: () => executions.length,
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
      if (errors.length > 0) throw errors[0];
    },
  };
}
