/**
 * The `Deploy Requested` handler: validates the request, resolves its policy
 * and starts the deploy workflow (execution named from the deployment id), or
 * queues it while the environment is busy. Also invoked with the plain
 * request JSON (SST Console, `aws lambda invoke`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { buildDeployInput } from '../core/execution-input.ts';
import { resolvePolicy } from '../core/policy.ts';
import { parseDeployRequest } from '../core/request.ts';
import {
  handleRequest,
  type PreparedRequest,
  type RequestDeps,
  type RequestOutcome,
} from './requests/handle-request.ts';
import { requestDetail } from './requests/request-event.ts';
import { runtimeDeps } from './requests/runtime-deps.ts';

const logger = new Logger({ serviceName: 'modeshift' });

/** A valid Deploy Requested detail as the deploy workflow's input. */
export function prepareDeploy(detail: unknown, now: Date): PreparedRequest {
  const request = parseDeployRequest(detail);
  const input = buildDeployInput(request, resolvePolicy(request.mode, request.overrides ?? {}), now);
  return {
    kind: 'deploy',
    project: request.project,
    environment: request.environment,
    deploymentId: request.deploymentId,
    lockExpiresAt: input.lockExpiresAt,
    input,
    detail,
  };
}

export async function deployRequested(event: unknown, deps: RequestDeps): Promise<RequestOutcome> {
  return handleRequest(
    'deploy',
    () => prepareDeploy(requestDetail(event, 'Deploy Requested'), deps.now()),
    deps,
    event,
  );
}

export const handler = middy(async function deployRequestedHandler(event: unknown) {
  return deployRequested(event, runtimeDeps(logger));
}).use(injectLambdaContext(logger));
