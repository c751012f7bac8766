/**
 * Runs the deploy and down workflows in-process (the local engine) against a
 * target's endpoint, the way Step Functions would run them on AWS.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AppUrl } from '../core/app-urls.ts';
import type { ComposeResult } from '../core/compose.ts';
import { buildDeployInput, buildDownInput } from '../core/execution-input.ts';
import { executionName } from '../core/names.ts';
import type { Mode, Policy, ResolvedPolicy } from '../core/policy.ts';
import type { DownRequest } from '../core/request.ts';
import { type WorkflowName, workflowDefinition } from '../core/workflow-definitions.ts';
import { executionContext } from '../engine/execution-context.ts';
import {
  type ClientFactory,
  type LambdaStep,
  runWorkflow,
  type WorkflowEvent,
} from '../engine/run-workflow.ts';
import { taggedLiveResources } from '../functions/aws/audit/environment-state.ts';
import { saveExecutionTrace, traceOfRun } from './execution-traces.ts';
import {
  type DeployChanges,
  deployChanges,
  type HistoryEntry,
  readEnvironment,
  readHistory,
  type TeardownSummary,
  teardownSummary,
} from './records.ts';
import { EMULATOR_STEPS, LOCAL_STEPS } from './steps.ts';
import type { Target } from './target.ts';
import { uploadBuildContexts } from './upload-contexts.ts';

/** What a run did, as `deploy --json` and `down --json` print it. */
export interface RunReport {
  readonly workflow: WorkflowName;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly executionName: string;
  readonly project: string;
  readonly environment: string;
  readonly deploymentId: string;
  readonly mode?: Mode;
  readonly policy?: Policy;
  readonly failedState?: string;
  readonly error?: string;
  readonly cause?: string;
  /** What the run's history entry warns of: a mode downgrade, databases a deploy kept. */
  readonly warning?: string;
  readonly transitions: number;
  readonly durationMs: number;
  /** ARNs of the resources tagged for the environment once the run ended (after down: what was retained). */
  readonly resources: readonly string[];
  /** After a deploy that succeeded: where the app answers, one URL per public service. */
  readonly urls?: readonly AppUrl[];
  /** After a deploy that succeeded: the images it built and reused, and the services it rolled out. */
  readonly changes?: DeployChanges;
  /** After a down that succeeded: the stores it destroyed and what it kept. */
  readonly teardown?: TeardownSummary;
}

export interface RunOptions {
  readonly now?: Date;
  /** The cap on each build context uploaded (local/upload-contexts.ts). @default DEFAULT_MAX_CONTEXT_BYTES */
  readonly maxContextBytes?: number;
  /** Every state-machine event as it happens. */
  readonly onEvent?: (event: WorkflowEvent) => void;
  /** Multiplies Wait states and retry intervals. @default 0.01 on a local emulator, 1 elsewhere */
  readonly timeScale?: number;
  /**
   * The Lambda steps the workflow runs, by name (fault-injection tests pass them wrapped).
   * @default LOCAL_STEPS (local/steps.ts), or EMULATOR_STEPS on an emulator: every step of the workflows
   */
  readonly lambdaSteps?: Readonly<Record<string, LambdaStep>>;
  /**
   * Wraps the client factory the workflow's Tasks (and the steps they run) call AWS through; the
   * reads before and after the run (record, tagged resources) keep the target's own clients.
   * @default the target's clients, unwrapped
   */
  readonly clients?: (clients: ClientFactory) => ClientFactory;
  /**
   * Stops the run as a killed process would (RunWorkflowOptions.signal): the run rejects with the
   * signal's reason, and nothing after it is done (no execution trace, no report).
   * @default never aborted
   */
  readonly signal?: AbortSignal;
}

/**
 * The ARNs of every live resource tagged with the environment's project and
 * name: the tagging API's index keeps deleted NAT gateways, services and task
 * definitions for a while, which are left out.
 */
export async function taggedResources(
  target: Target,
  project: string,
  environment: string,
): Promise<string[]> {
  const tagging = new ResourceGroupsTaggingAPIClient(target.settings);
  try {
    const clients = {
      tagging,
      ec2: target.clients('ec2') as EC2Client,
      ecs: target.clients('ecs') as ECSClient,
    };
    const resources = await taggedLiveResources(clients, { project, environment });
    return resources.flatMap((resource) => (resource.arn ? [resource.arn] : [])).sort();
  } finally {
    tagging.destroy();
  }
}

async function execute(
  target: Target,
  workflow: WorkflowName,
  input: { deploymentId: string; project: string; environment: string },
  options: RunOptions,
) {
  const started = Date.now();
  const names = {
    executionName: executionName(input.project, input.environment, input.deploymentId),
    stateMachineName: `modeshift-${workflow}`,
  };
  const result = await runWorkflow(workflowDefinition(workflow), input, {
    clients: options.clients ? options.clients(target.clients) : target.clients,
    placeholders: target.placeholders,
    lambdaSteps: options.lambdaSteps ?? (target.emulator ? EMULATOR_STEPS : LOCAL_STEPS),
    timeScale: options.timeScale ?? (target.emulator ? 0.01 : 1),
    syncPollMs: target.emulator ? 1000 : 10_000,
    ...names,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // The run's transitions outlive it (Step Functions keeps them on AWS): `modeshift graph --env` draws them.
  const executionArn = String((executionContext(names).Execution as { Id: string }).Id);
  await saveExecutionTrace(
    target.clients('s3') as S3Client,
    target.names.artifactBucket,
    traceOfRun(workflow, executionArn, result.status, result.events),
  );
  return { result, durationMs: Date.now() - started };
}

/** The history entry of this run: its failed state (refusals name the check, not the Fail state) and warning. */
async function recordedEntry(target: Target, project: string, environment: string, deploymentId: string) {
  const history = await readHistory(
    target.clients('dynamodb') as DynamoDBClient,
    target.names.tableName,
    project,
    environment,
  );
  return history.filter((entry) => entry.deploymentId === deploymentId).at(-1);
}

export async function deployOnTarget(
  target: Target,
  composed: ComposeResult & { resolved: ResolvedPolicy },
  options: RunOptions = {},
): Promise<RunReport> {
  const { request, resolved } = composed;
  await uploadBuildContexts(
    composed.uploads,
    { s3: target.clients('s3') as S3Client },
    options.maxContextBytes !== undefined ? { maxContextBytes: options.maxContextBytes } : {},
  );
  const input = buildDeployInput(request, resolved, options.now ?? new Date());
  const { result, durationMs } = await execute(target, 'deploy', input, options);
  const entry = await recordedEntry(target, request.project, request.environment, request.deploymentId);
  const failedState = result.status === 'FAILED' ? (entry?.failedState ?? result.failedState) : undefined;
  const record =
    result.status === 'SUCCEEDED'
      ? await readEnvironment(
          target.clients('dynamodb') as DynamoDBClient,
          target.names.tableName,
          request.project,
          request.environment,
        )
      : undefined;
  return {
    workflow: 'deploy',
    status: result.status,
    executionName: executionName(request.project, request.environment, request.deploymentId),
    project: request.project,
    environment: request.environment,
    deploymentId: request.deploymentId,
    mode: resolved.mode,
    policy: resolved.policy,
    ...(failedState !== undefined ? { failedState } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.cause !== undefined ? { cause: result.cause } : {}),
    ...(entry?.warning ? { warning: entry.warning } : {}),
    transitions: result.transitions,
    durationMs,
    resources: await taggedResources(target, request.project, request.environment),
    ...(record?.urls ? { urls: record.urls } : {}),
    ...changesOf(entry),
  };
}

export async function downOnTarget(
  target: Target,
  request: DownRequest,
  options: RunOptions = {},
): Promise<RunReport> {
  const input = buildDownInput(request, options.now ?? new Date());
  const before = await readEnvironment(
    target.clients('dynamodb') as DynamoDBClient,
    target.names.tableName,
    request.project,
    request.environment,
  );
  const { result, durationMs } = await execute(target, 'down', input, options);
  const entry = await recordedEntry(target, request.project, request.environment, input.deploymentId);
  const failedState = result.status === 'FAILED' ? (entry?.failedState ?? result.failedState) : undefined;

  const mode = (before?.mode ?? before?.requestedMode) as Mode | undefined;
  return {
    workflow: 'down',
    status: result.status,
    executionName: executionName(request.project, request.environment, input.deploymentId),
    project: request.project,
    environment: request.environment,
    deploymentId: input.deploymentId,
    ...(mode !== undefined ? { mode } : {}),
    ...(before?.policy !== undefined ? { policy: before.policy as unknown as Policy } : {}),
    ...(failedState !== undefined ? { failedState } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.cause !== undefined ? { cause: result.cause } : {}),
    transitions: result.transitions,
    durationMs,
    resources: await taggedResources(target, request.project, request.environment),
    ...(result.status === 'SUCCEEDED' ? teardownOf(entry) : {}),
  };
}

/** `{ teardown }` when the history entry records one (a down's). */
export function teardownOf(entry: HistoryEntry | undefined): { teardown?: TeardownSummary } {
  const teardown = teardownSummary(entry);
  return teardown === undefined ? {} : { teardown };
}

/** `{ changes }` when the history entry records them. */
export function changesOf(entry: HistoryEntry | undefined): { changes?: DeployChanges } {
  const changes = deployChanges(entry);
  return changes === undefined ? {} : { changes };
}
