/**
 * The common path of the Deploy Requested and Down Requested handlers:
 * validate, then start the workflow when the environment is free, or queue
 * the request (superseding an older queued one) when it is busy.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { isInputError, type Problem } from '../../core/errors.ts';
import { executionName } from '../../core/names.ts';
import { acquireLock, enqueue, type QueueContext, releaseLock } from './environment-queue.ts';
import { emitRequestFailed } from './failure-event.ts';
import { existingExecution, startWorkflow } from './start-workflow.ts';

/** What a request handler needs, injected so tests can pass mocks. */
export interface RequestDeps {
  readonly sfn: SFNClient;
  readonly dynamodb: DynamoDBClient;
  readonly eventbridge: EventBridgeClient;
  readonly tableName: string;
  readonly busName: string;
  readonly deployStateMachineArn: string;
  readonly downStateMachineArn: string;
  readonly now: () => Date;
  readonly log: Pick<Logger, 'info' | 'error'>;
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

function failureType(kind: 'deploy' | 'down') {
  return kind === 'deploy' ? 'Deployment Failed' : 'Teardown Failed';
}

export function queueContext(deps: RequestDeps): QueueContext {
  return { dynamodb: deps.dynamodb, tableName: deps.tableName, now: deps.now() };
}

/** Starts the workflow of a request whose lock is held; releases the lock if the start fails. */
export async function startLocked(request: PreparedRequest, deps: RequestDeps): Promise<RequestOutcome> {
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
    await emitRequestFailed(deps.eventbridge, deps.busName, failureType(request.kind), {
      error: `the ${request.kind} workflow could not start: ${(error as Error).message}`,
      request: request.detail,
    });
    throw error;
  }
}

export async function handleRequest(
  kind: 'deploy' | 'down',
  prepare: () => PreparedRequest,
  deps: RequestDeps,
  rawDetail: unknown,
): Promise<RequestOutcome> {
  let request: PreparedRequest;
  try {
    request = prepare();
  } catch (error) {
    if (!isInputError(error)) throw error;
    deps.log.error('request rejected', { problems: error.problems });
    await emitRequestFailed(deps.eventbridge, deps.busName, failureType(kind), {
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
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (await acquireLock(queueContext(deps), request)) return startLocked(request, deps);
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
