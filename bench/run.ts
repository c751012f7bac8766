/**
 * One benchmark run: a workflow (deploy or down) of one synthetic project in
 * one mode, on the real ASL in the local engine, against a benchmark account.
 */
import type { DeployInput, DownInput } from '../core/execution-input.ts';
import { type WorkflowName, workflowDefinition } from '../core/workflow-definitions.ts';
import { runWorkflow } from '../engine/run-workflow.ts';
import type { Account } from './account.ts';

export const PLACEHOLDERS = {
  EnvironmentsTable: 'modeshift-environments',
  EventBusName: 'modeshift',
  EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/modeshift',
  SchedulerRoleArn: 'arn:aws:iam::123456789012:role/modeshift-scheduler',
  AccountId: '123456789012',
  Region: 'us-east-1',
};

export interface RunMeasure {
  readonly workflow: WorkflowName;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly cause?: string;
  readonly failedState?: string;
  /**
   * Modeled seconds the execution took: its wall time, from its first event
   * (ExecutionStarted) to its last, divided by the scale. The engine's own
   * preparation of the definition before the run (what creating the state
   * machine does on AWS, once) is not part of it.
   */
  readonly seconds: number;
  /** Wall-clock milliseconds of the execution. */
  readonly wallMs: number;
  readonly transitions: number;
  readonly historyEvents: number;
  /** The largest state input or output, in bytes. */
  readonly maxStateBytes: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly apiCalls: number;
}

export async function runOnAccount(
  account: Account,
  workflow: WorkflowName,
  input: DeployInput | DownInput,
  options: {
    /** Records every state's input and output size (a JSON serialization each: not for timed runs). */
    readonly measureStateSizes: boolean;
    /** Wait states and retry intervals: the model's scale, or 0 for a run with no latency at all. @default the clock's scale */
    readonly timeScale?: number;
  },
): Promise<RunMeasure> {
  const invocationsBefore = account.lambda.invocations;
  const gbSecondsBefore = account.lambda.gbSeconds;
  const callsBefore = [...account.apiCalls.values()].reduce((sum, count) => sum + count, 0);
  const result = await runWorkflow(workflowDefinition(workflow), input, {
    clients: account.clients,
    placeholders: PLACEHOLDERS,
    lambdaSteps: account.lambdaSteps,
    timeScale: options.timeScale ?? account.clock.scale,
    executionName: input.deploymentId,
    stateMachineName: `modeshift-${workflow}`,
    measureStateSizes: options.measureStateSizes,
  });
  const first = result.events[0]?.timestamp ?? 0;
  const wallMs = (result.events.at(-1)?.timestamp ?? first) - first;
  const seconds = options.timeScale === 0 ? 0 : wallMs / 1000 / account.clock.scale;
  const maxStateBytes = result.events.reduce((max, event) => Math.max(max, event.bytes ?? 0), 0);
  const calls = [...account.apiCalls.values()].reduce((sum, count) => sum + count, 0);
  return {
    workflow,
    status: result.status,
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.cause !== undefined ? { cause: result.cause } : {}),
    ...(result.failedState !== undefined ? { failedState: result.failedState } : {}),
    seconds,
    wallMs,
    transitions: result.transitions,
    historyEvents: result.historyEvents,
    maxStateBytes,
    lambdaInvocations: account.lambda.invocations - invocationsBefore,
    lambdaGbSeconds: account.lambda.gbSeconds - gbSecondsBefore,
    apiCalls: calls - callsBefore,
  };
}
