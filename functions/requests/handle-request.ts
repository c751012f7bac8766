/**
 * The common path of the Deploy Requested and Down Requested handlers:
 * validate, check what AWS must already hold for the request (a deploy's
 * config values), then start the workflow when the environment is free, or
 * queue the request (superseding an older queued one) when it is busy.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { isInputError, type Problem } from '../../core/errors.ts';
import type { InstallVpc } from '../../core/install-network.ts';
import { executionName } from '../../core/names.ts';
import { assertServedProject } from '../../core/served-projects.ts';
import { acquireLock, enqueue, type QueueContext, releaseLock } from './environment-queue.ts';
import type { RequestFailure } from './failure-event.ts';
import { type LockContext, takeOverEndedLock } from './lock-takeover.ts';
import { existingExecution, startWorkflow } from './start-workflow.ts';

/** What a request handler needs, injected so tests can pass mocks. */
export interface RequestDeps {
  readonly sfn: SFNClient;
  readonly dynamodb: DynamoDBClient;
  /**
   * The client failure events go through, asked for when one is sent: a request that starts or
   * is queued sends none, so a handler loads EventBridge only for a request that fails.
   */
  readonly eventbridge: () => Promise<EventBridgeClient>;
  readonly tableName: string;
  readonly busName: string;
  readonly deployStateMachineArn: string;
  readonly downStateMachineArn: string;
  readonly now: () => Date;
  readonly log: Pick<Logger, 'info' | 'error'>;
  /** The projects this modeshift serves (core/served-projects.ts). @default every project */
  readonly servedProjects?: readonly string[];
}

/**
 * What a handler that starts deploys needs besides: Parameter Store, where a deploy's config
 * values must be set before it starts. Kept out of {@link RequestDeps} so the Down Requested
 * handler does not bundle the SSM client (a sixth of a request handler's bundle).
 */
export interface DeployDeps extends RequestDeps {
  readonly ssm: SSMClient;
  /** Checks that the policies and roles a deploy names exist. @default not checked */
  readonly iam?: IAMClient;
  /** Checks a deploy's `vpcCidr` against the account's VPCs; made only for a request that names one. @default not checked */
  readonly ec2?: () => Promise<EC2Client>;
  /** The installation's VPC (`MODESHIFT_VPC`), for a deploy that names no network. @default none */
  readonly installVpc?: InstallVpc | undefined;
}

/** A validated request, ready to become a workflow's input. */
export interface PreparedRequest {
  readonly kind: 'deploy' | 'down';
  readonly project: string;
  readonly environment: string;
  readonly deploymentId: string;
  readonly lockExpiresAt: string;
  readonly input: unknown;
  /** The detail as it came: what a queued request is started from later. */
  readonly detail: unknown;
}

export type RequestOutcome =
  | {
      readonly outcome: 'started' | 'duplicate';
      readonly executionArn: string;
      readonly executionName: string;
    }
  | { readonly outcome: 'queued'; readonly deploymentId: string; readonly superseded?: string }
  | { readonly outcome: 'rejected'; readonly problems: readonly Problem[] };

/** Why a valid request is refused before anything changes, and each thing that is missing. */
export interface Refusal {
  readonly error: string;
  readonly problems: readonly Problem[];
}

/**
 * Looks in AWS for what refuses a valid request (a deploy's config values
 * that are not set); `undefined` lets it start. Run before the lock is taken,
 * and again when a queued request is started.
 */
export type RequestCheck<R extends PreparedRequest> = (request: R) => Promise<Refusal | undefined>;

function failureType(kind: 'deploy' | 'down') {
  return kind === 'deploy' ? 'Deployment Failed' : 'Teardown Failed';
}

/** Emits the failure event of a request that starts nothing. */
async function emitFailure(
  deps: RequestDeps,
  kind: 'deploy' | 'down',
  failure: RequestFailure,
): Promise<void> {
  // On demand, with the EventBridge commands: most requests send no failure event.
  const { emitRequestFailed } = await import('./failure-event.ts');
  await emitRequestFailed(await deps.eventbridge(), deps.busName, failureType(kind), failure);
}

export function queueContext(deps: RequestDeps): QueueContext {
  return { dynamodb: deps.dynamodb, tableName: deps.tableName, now: deps.now() };
}

/** The queue's context and Step Functions, which says whether a lock's holder execution still runs. */
function lockContext(deps: RequestDeps): LockContext {
  return { ...queueContext(deps), sfn: deps.sfn };
}

/** Emits the failure event of a refused request; its outcome. */
async function refuse(
  kind: 'deploy' | 'down',
  refusal: Refusal,
  deps: RequestDeps,
  request: unknown,
): Promise<RequestOutcome> {
  deps.log.error('request refused', { error: refusal.error, problems: refusal.problems });
  await emitFailure(deps, kind, {
    error: refusal.error,
    problems: refusal.problems,
    request,
  });
  return { outcome: 'rejected', problems: refusal.problems };
}

/**
 * Starts the workflow of a request whose lock is held; releases the lock if
 * `check` refuses the request or the start fails.
 */
export async function startLocked<R extends PreparedRequest>(
  request: R,
  deps: RequestDeps,
  check?: RequestCheck<R>,
): Promise<RequestOutcome> {
  const refusal = await check?.(request);
  if (refusal) {
    await releaseLock(queueContext(deps), request);
    return refuse(request.kind, refusal, deps, request.detail);
  }
  const name = executionName(request.project, request.environment, request.deploymentId);
  const machine = request.kind === 'deploy' ? deps.deployStateMachineArn : deps.downStateMachineArn;
  try {
    const started = await startWorkflow(deps.sfn, machine, name, request.input);
    // A duplicate of a finished request must not keep the lock it just took.
    if (!started.running) await releaseLock(queueContext(deps), request);
    deps.log.info(started.started ? 'workflow started' : 'duplicate request: execution exists', {
      executionArn: started.executionArn,
    });
    return {
      outcome: started.started ? 'started' : 'duplicate',
      executionArn: started.executionArn,
      executionName: name,
    };
  } catch (error) {
    await releaseLock(queueContext(deps), request);
    await emitFailure(deps, request.kind, {
      error: `the ${request.kind} workflow could not start: ${(error as Error).message}`,
      request: request.detail,
    });
    throw error;
  }
}

export async function handleRequest<R extends PreparedRequest>(
  kind: 'deploy' | 'down',
  prepare: () => R,
  deps: RequestDeps,
  rawDetail: unknown,
  check?: RequestCheck<R>,
): Promise<RequestOutcome> {
  let request: R;
  try {
    request = prepare();
    assertServedProject(deps.servedProjects ?? [], request.project);
  } catch (error) {
    if (!isInputError(error)) throw error;
    deps.log.error('request rejected', { problems: error.problems });
    await emitFailure(deps, kind, {
      error: `the ${kind} request is invalid`,
      problems: error.problems,
      request: rawDetail,
    });
    return { outcome: 'rejected', problems: error.problems };
  }
  const name = executionName(request.project, request.environment, request.deploymentId);
  const machine = request.kind === 'deploy' ? deps.deployStateMachineArn : deps.downStateMachineArn;
  // A request whose execution exists is delivered again: it must not take the lock or the queue.
  const existing = await existingExecution(deps.sfn, machine, name);
  if (existing) return { outcome: 'duplicate', executionArn: existing.executionArn, executionName: name };
  // Refused before the lock: a refused request leaves the environment's record as it was.
  const refusal = await check?.(request);
  if (refusal) return refuse(kind, refusal, deps, rawDetail);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    // A lock that is free, expired or this request's own; else one whose holder execution has ended.
    const locked =
      (await acquireLock(queueContext(deps), request)) ||
      (await takeOverEndedLock(lockContext(deps), request));
    if (locked) return startLocked(request, deps);
    const queued = await enqueue(queueContext(deps), request.project, request.environment, {
      kind,
      deploymentId: request.deploymentId,
      detail: request.detail,
      queuedAt: deps.now().toISOString(),
    });
    if (queued === undefined) continue; // the lock was released meanwhile: take it
    const { superseded } = queued;
    deps.log.info('environment busy: request queued', { deploymentId: request.deploymentId, superseded });
    return { outcome: 'queued', deploymentId: request.deploymentId, ...(superseded ? { superseded } : {}) };
  }
  throw new Error(
    `environment ${request.project}/${request.environment}: the lock changed hands on every attempt`,
  );
}
