/**
 * The `Down Requested` handler: validates the request and starts the down
 * workflow, or queues it while the environment is busy. Also invoked with the
 * plain request JSON, and by an environment's expiry schedule.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { parseDownRequest } from '../core/down-request.ts';
import { buildDownInput } from '../core/execution-input.ts';
import { asPrincipal } from '../core/principal.ts';
import {
  handleRequest,
  type PreparedRequest,
  type RequestDeps,
  type RequestOutcome,
} from './requests/handle-request.ts';
import { requestDetail } from './requests/request-event.ts';
import { runtimeDeps } from './requests/runtime-deps.ts';

const logger = new Logger({ serviceName: 'modeshift' });

/** A valid Down Requested detail as the down workflow's input. An expiry schedule adds `reason`. */
export function prepareDown(detail: unknown, now: Date): PreparedRequest {
  const { reason: _reason, ...rest } = (detail ?? {}) as Record<string, unknown>;
  const request = parseDownRequest(typeof detail === 'object' && detail !== null ? rest : detail);
  const input = buildDownInput(request, now);
  return {
    kind: 'down',
    project: request.project,
    environment: request.environment,
    deploymentId: input.deploymentId,
    lockExpiresAt: input.lockExpiresAt,
    input,
    // What a queued down is started from later, with the deployment id its lock is taken for.
    detail: { ...request, deploymentId: input.deploymentId },
  };
}

export async function downRequested(event: unknown, deps: RequestDeps): Promise<RequestOutcome> {
  return asPrincipal('function/DownRequested', () =>
    handleRequest('down', () => prepareDown(requestDetail(event, 'Down Requested'), deps.now()), deps, event),
  );
}

export const handler = middy(async function downRequestedHandler(event: unknown) {
  return downRequested(event, runtimeDeps(logger));
}).use(injectLambdaContext(logger));
